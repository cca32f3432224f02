"""Finds user-facing string literals in Python source that are not marked for translation.

A *sink* is a place whose text a person reads: a domain error's or a validation error's message,
a flash message, an admin label, a model's verbose name, a mail's subject or body. A literal that
reaches a sink directly (or through a constant of the same module) must be wrapped in `_()` /
`gettext*`; an f-string or a `%`-formatted literal is unmarked too, and so is a literal formatted
*inside* `_()` (the catalogue would hold the formatted text, which never matches).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

GETTEXT = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)
# How many leading arguments of each are texts (the rest is the count).
TEXT_ARGUMENTS = {"ngettext": 2, "ngettext_lazy": 2, "npgettext": 3, "npgettext_lazy": 3}
# The project's error types are found in the source (subclasses of these, at any depth).
ERROR_BASES = frozenset(
    {
        "DomainError",
        "InvalidInput",
        "NotAllowed",
        "NotFound",
        "Conflict",
        "PayloadTooLarge",
        "UnsupportedFile",
        "ServiceUnavailable",
        "ValidationError",
        "PermissionDenied",
        "AuthenticationFailed",
        "NotAuthenticated",
        "InvalidToken",
    }
)
# The argument that carries the text, by position and by keyword.
MESSAGE_KEYWORDS = frozenset({"message", "detail", "details"})
LABEL_KEYWORDS = frozenset(
    {
        "verbose_name",
        "verbose_name_plural",
        "help_text",
        "label",
        "description",
        "empty_label",
        "title",
        "violation_error_message",
    }
)
# The API's schema (drf-spectacular descriptions, serializer help texts and choice labels) is
# documentation for developers, in English (docs/i18n.md); its error messages are sinks.
SCHEMA_KEYWORDS = frozenset({"help_text", "description", "label", "choices"})
# Mail: the subject and body of these calls.
MAIL_FUNCTIONS = frozenset(
    {"notify_on_commit", "notify_parties_on_commit", "notify_users", "queue_mail", "send_mail"}
)
MAIL_KEYWORDS = frozenset({"subject", "body", "batch_label"})
# Class-level (or module-level) assignments whose value is shown.
LABEL_ATTRIBUTES = frozenset(
    {
        "short_description",
        "default_message",
        "default_detail",
        "search_help_text",
        "title",
        "message",
        "verbose_name",
        "verbose_name_plural",
        "empty_value_display",
        "error_messages",
        "default_error_messages",
        "site_header",
        "site_title",
        "index_title",
        "label",
        "help_text",
    }
)
MESSAGE_FUNCTIONS = frozenset({"success", "error", "warning", "info", "debug"})


# The API's filter set: its help texts and choice labels are the schema's.
SCHEMA_MODULES = frozenset({"disputes/filters.py"})


def is_api_module(path: str) -> bool:
    parts = path.split("/")
    return path in SCHEMA_MODULES or "api" in parts[:-1] or parts[-1] in {"api.py", "openapi.py"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_text(value: object) -> bool:
    return isinstance(value, str) and any(ch.isalpha() for ch in value)


def error_classes(trees: list[ast.Module]) -> frozenset[str]:
    """ERROR_BASES and every class of the source that derives from one of them."""
    known = set(ERROR_BASES)
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for node in classes:
            if node.name not in known and any(_name(base) in known for base in node.bases):
                known.add(node.name)
                grew = True
    return frozenset(known)


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, errors: frozenset[str], constants: dict[str, ast.expr]) -> None:
        self.path = path
        self.schema = is_api_module(path)
        self.errors = errors
        self.constants = constants
        self.findings: list[Finding] = []
        self.class_depth = 0
        self.function_depth = 0

    # What an expression that reaches a sink holds.
    def check(self, node: ast.expr | None, *, seen: frozenset[str] = frozenset()) -> None:
        if node is None:
            return
        if isinstance(node, ast.Constant):
            if _is_text(node.value):
                self.findings.append(Finding(self.path, node.lineno, str(node.value)))
        elif isinstance(node, ast.JoinedStr):
            self.findings.append(Finding(self.path, node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.BinOp):
            # `_("... %(n)s") % {...}` is marked; `"..." % x` and `"a" + "b"` are not.
            self.check(node.left, seen=seen)
            if not isinstance(node.op, ast.Mod):
                self.check(node.right, seen=seen)
        elif isinstance(node, ast.IfExp):
            self.check(node.body, seen=seen)
            self.check(node.orelse, seen=seen)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.check(value, seen=seen)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for element in node.elts:
                self.check(element, seen=seen)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                # A code in an error's body is for programs: it never changes.
                if not (isinstance(key, ast.Constant) and key.value == "code"):
                    self.check(value, seen=seen)
        elif isinstance(node, ast.Call):
            if _name(node.func) in GETTEXT:
                # The texts only: ngettext's last argument is the count that picks the form.
                texts = node.args[: TEXT_ARGUMENTS.get(_name(node.func), len(node.args))]
                for argument in texts:
                    if not isinstance(argument, ast.Constant):
                        self.findings.append(
                            Finding(
                                self.path,
                                node.lineno,
                                "formatted inside _(): " + ast.unparse(argument),
                            )
                        )
            elif _name(node.func) in {"format_lazy", "interpolate_lazy", "str"} and node.args:
                self.check(node.args[0], seen=seen)
        elif isinstance(node, ast.Name) and node.id in self.constants and node.id not in seen:
            self.check(self.constants[node.id], seen=seen | {node.id})

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_BinOp(self, node: ast.BinOp) -> None:
        # At import time `_("... %(n)s") % {...}` is translated once, in English, for good:
        # a module or class attribute keeps the interpolation lazy (`interpolate_lazy`).
        if (
            not self.function_depth
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Call)
            and _name(node.left.func) in GETTEXT
        ):
            self.findings.append(
                Finding(self.path, node.lineno, "formatted at import: " + ast.unparse(node))
            )
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.class_depth += 1
        self.generic_visit(node)
        self.class_depth -= 1

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            name = _name(target)
            # `title`/`message` are shown only as class attributes (list filters, DRF
            # permissions); `short_description` is also set on functions (`f.short_description`).
            if name in LABEL_ATTRIBUTES and (
                self.class_depth or isinstance(target, ast.Attribute) or name == "default_message"
            ):
                self.check(node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if _name(node.target) in LABEL_ATTRIBUTES and self.class_depth:
            self.check(node.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = _name(node.func)
        if func in self.errors:
            if node.args:
                self.check(node.args[0])
            for keyword in node.keywords:
                if keyword.arg in MESSAGE_KEYWORDS:
                    self.check(keyword.value)
        if func in MESSAGE_FUNCTIONS and isinstance(node.func, ast.Attribute):
            owner = _name(node.func.value)
            if owner == "messages" and len(node.args) >= 2:
                self.check(node.args[1])
        if func == "add_message" and len(node.args) >= 3:
            self.check(node.args[2])
        if func == "message_user" and len(node.args) >= 2:
            self.check(node.args[1])
        if func == "add_error" and len(node.args) >= 2:
            self.check(node.args[1])
        for keyword in node.keywords:
            if self.schema and keyword.arg in SCHEMA_KEYWORDS:
                continue
            if keyword.arg in LABEL_KEYWORDS:
                self.check(keyword.value)
            if keyword.arg in MAIL_KEYWORDS and func in MAIL_FUNCTIONS:
                self.check(keyword.value)
            if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                for choice in keyword.value.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        self.check(choice.elts[1])
            if keyword.arg == "error_messages":
                self.check(keyword.value)
        self.generic_visit(node)


def _choice_labels(tree: ast.Module, scanner: _Scanner) -> None:
    """`NAME = "value", "Label"` in a TextChoices/IntegerChoices class: the label is shown."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            _name(base).endswith("Choices") for base in node.bases
        ):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Tuple)
                    and len(statement.value.elts) == 2
                ):
                    scanner.check(statement.value.elts[1])


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Names assigned a value once anywhere in the module (module constants, locals)."""
    found: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = node.value
    return found


def scan_source(
    source: str, path: str = "<sample>", errors: frozenset[str] | None = None
) -> list[Finding]:
    tree = ast.parse(source)
    scanner = _Scanner(path, errors or error_classes([tree]), _constants(tree))
    scanner.visit(tree)
    _choice_labels(tree, scanner)
    return sorted(set(scanner.findings), key=lambda f: (f.path, f.line, f.text))


EXCLUDED_PARTS = frozenset({"tests", "migrations", "bench", "scripts", ".venv", "node_modules"})


def project_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.py")
        if not EXCLUDED_PARTS.intersection(path.relative_to(root).parts)
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def scan_project(root: Path, *, skip: frozenset[str] = frozenset()) -> list[Finding]:
    files = [path for path in project_files(root) if path.relative_to(root).as_posix() not in skip]
    trees = {path: ast.parse(path.read_text()) for path in files}
    errors = error_classes(list(trees.values()))
    findings: list[Finding] = []
    for path, tree in trees.items():
        scanner = _Scanner(path.relative_to(root).as_posix(), errors, _constants(tree))
        scanner.visit(tree)
        _choice_labels(tree, scanner)
        findings.extend(scanner.findings)
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.text))
