"""Reading ``infrastructure/template.yaml``: YAML with CloudFormation's short tags, and a small
resolver for the intrinsic functions the template uses, so local runs and tests build their
resources from the same definitions as a deployment."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from zoom_notifier.local.deployment import TEMPLATE_PATH

__all__ = ["Resolver", "load_template"]

_SHORT_TAGS = (
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Cidr",
    "Condition",
)


class _TemplateLoader(yaml.SafeLoader):
    """A safe loader that turns ``!Ref X`` into ``{"Ref": "X"}`` and ``!Sub s`` into
    ``{"Fn::Sub": "s"}``."""


def _construct(tag: str) -> Any:
    key = tag if tag in {"Ref", "Condition"} else f"Fn::{tag}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {key: value}

    return construct


for _tag in _SHORT_TAGS:
    _TemplateLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data."""
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_TemplateLoader)  # noqa: S506
    return loaded


_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


# What ``Ref: AWS::NoValue`` resolves to: the property or list item it stands for is dropped.
_NO_VALUE = object()


class Resolver:
    """Resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::FindInMap`` and the condition
    functions (``Fn::If``, ``Fn::Equals``, ``Fn::Not``, ``Condition``) against known values.

    ``refs`` maps logical ids and parameter names to what ``Ref`` returns; ``attributes`` maps
    ``"LogicalId.Attribute"`` to what ``Fn::GetAtt`` returns; ``conditions`` the template's
    conditions to their values (:meth:`conditions` computes them).
    """

    def __init__(
        self,
        refs: Mapping[str, str],
        attributes: Mapping[str, str],
        conditions: Mapping[str, bool] | None = None,
        mappings: Mapping[str, Any] | None = None,
    ) -> None:
        self._refs = refs
        self._attributes = attributes
        self._conditions = dict(conditions or {})
        self._mappings = mappings or {}

    def conditions(self, definitions: Mapping[str, Any]) -> dict[str, bool]:
        """The value of each condition of the template's ``Conditions`` section."""
        for name, definition in definitions.items():
            self._conditions[name] = bool(self.resolve(definition))
        return dict(self._conditions)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            listed = [self.resolve(item) for item in value]
            return [item for item in listed if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": lambda arguments: self._attributes[".".join(arguments)],
            "Fn::Sub": lambda text: _SUB_VARIABLE.sub(lambda match: self._sub(match[1]), text),
            "Fn::If": self._if,
            "Fn::Equals": lambda pair: self.resolve(pair[0]) == self.resolve(pair[1]),
            "Fn::Not": lambda inner: not self.resolve(inner[0]),
            "Condition": lambda name: self._conditions[name],
            "Fn::FindInMap": lambda keys: self._mappings[self.resolve(keys[0])][
                str(self.resolve(keys[1]))
            ][self.resolve(keys[2])],
        }
        if len(value) == 1 and (name := next(iter(value))) in functions:
            return functions[name](value[name])
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def _ref(self, name: str) -> Any:
        return _NO_VALUE if name == "AWS::NoValue" else self._refs[name]

    def _if(self, arguments: list[Any]) -> Any:
        condition, when_true, when_false = arguments
        return self.resolve(when_true if self._conditions[condition] else when_false)

    def _sub(self, name: str) -> str:
        if name in self._attributes:
            return self._attributes[name]
        return self._refs[name]
