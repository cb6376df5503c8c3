"""结对 on screen: the board, pairing actions and exports, 我的结对 and how pairings go.

May import components.common, components.care, components.exports and services.
"""
