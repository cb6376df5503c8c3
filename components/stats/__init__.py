"""The live 总览 and 会议模式: the dashboard's sections and filters, the slides, and the
statistics cache shared by both.

May import components.common and services.
"""
