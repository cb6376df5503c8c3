"""Errors a person can act on: each carries one clear Chinese message."""

from __future__ import annotations


class DomainError(Exception):
    """Base for refusals the UI and CLI show as they are, never as a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input that cannot be saved; `problems` maps a field label to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(";".join(f"{field}:{why}" for field, why in problems.items()))
        self.problems = problems


class PermissionDenied(DomainError):
    def __init__(self, message: str = "没有权限进行此操作。") -> None:
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, what: str = "记录") -> None:
        super().__init__(f"找不到该{what}，可能已被归档或不在您的管辖范围内。")


class ConcurrentEdit(DomainError):
    def __init__(self, what: str = "记录") -> None:
        super().__init__(f"该{what}已被其他人修改，您的保存未生效。请刷新后查看最新内容再修改。")


class DatabaseBusy(DomainError):
    """Another save held the database longer than we wait; nothing of this one was written."""

    def __init__(self) -> None:
        super().__init__("数据库正忙，请稍后重试。")
