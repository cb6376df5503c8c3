"""汇报: the 活动总结 draft, its editor and its files, and the deck.

May import components.common and services.
"""
