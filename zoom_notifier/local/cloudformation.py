"""Reading ``infrastructure/template.yaml``: YAML with CloudFormation's short tags, and a small
resolver for the intrinsic functions the template uses, so local runs and tests build their
resources from the same definitions as a deployment."""

from __future__ import annotations

import re
from collections.abc import Mapping
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


class Resolver:
    """Resolves ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` against known values.

    ``refs`` maps logical ids and parameter names to what ``Ref`` returns; ``attributes`` maps
    ``"LogicalId.Attribute"`` to what ``Fn::GetAtt`` returns.
    """

    def __init__(self, refs: Mapping[str, str], attributes: Mapping[str, str]) -> None:
        self._refs = refs
        self._attributes = attributes

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self._refs[value["Ref"]]
        if set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attributes[f"{logical_id}.{attribute}"]
        if set(value) == {"Fn::Sub"}:
            return _SUB_VARIABLE.sub(lambda match: self._sub(match[1]), value["Fn::Sub"])
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, name: str) -> str:
        if name in self._attributes:
            return self._attributes[name]
        return self._refs[name]
