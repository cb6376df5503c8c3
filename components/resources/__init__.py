"""需求, 心愿, 资源方, the 捐助台账 and 问卷 on screen.

May import components.common and services.
"""
