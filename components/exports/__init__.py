"""导出: every list with its columns, filters and masking, in one place.

May import components.common, components.care and services.
"""
