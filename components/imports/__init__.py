"""导入: upload, check every row, show the problems, then write all or nothing.

May import components.common and services.
"""
