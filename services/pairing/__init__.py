"""结对帮扶: pairings and their history (`pairings`), the pairing board, suggested helpers,
how each pairing is going (`match_health`) and a helper's own list (`my_pairings`).

May import core, db, services.access and services.roster; `match_health` and `my_pairings`
read the care rules' standings from services.care.
"""
