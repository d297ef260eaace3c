"""How scenario data combine: a scenario that `extends` another, and a key set by its path.

Tables merge key by key; anything else (values, lists) replaces. A distribution or
trigger of another kind replaces the old one whole, and keys that are alternatives to
each other (the arrival schedules; an external service's wait or fixed capacity) drop the
others when one is given.
"""

from __future__ import annotations

import copy
from typing import Any

# Keys that are alternatives to each other: a scenario that gives one of a group drops
# whatever the scenario it extends gave for the others (TOML cannot delete a key).
SCHEDULES = [{"per_month", "per_month_basis"}, {"monthly"}, {"yearly", "monthly_profile"}]
ALTERNATIVES: dict[tuple[str, ...], list[set[str]]] = {
    ("arrivals",): SCHEDULES,
    ("arrivals", "danish_spouses"): SCHEDULES,
    # an external service's waiting time follows demand, or its capacity is fixed
    ("external", "health_examination"): [{"wait_days"}, {"capacity_per_week"}],
}


def _drop_alternatives(path: tuple[str, ...], base: dict[str, Any], keys: set[str]) -> None:
    for group in ALTERNATIVES.get(path, []):
        if keys & group:
            for other in ALTERNATIVES[path]:
                if other is not group:
                    for key in other - keys:
                        base.pop(key, None)


def _changes_kind(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A distribution or trigger of another kind replaces the old one whole: the old kind's
    parameters (a lognormal's `sd`, say) mean nothing to the new one."""
    return any(tag in new and new[tag] != old.get(tag) for tag in ("dist", "on"))


def deep_merge(
    base: dict[str, Any], change: dict[str, Any], path: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`base` with `change` applied: tables merge key by key, anything else replaces."""
    merged = copy.deepcopy(base)
    _drop_alternatives(path, merged, set(change))
    for key, value in change.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and not _changes_kind(old, value):
            merged[key] = deep_merge(old, value, (*path, key))
        else:
            merged[key] = copy.deepcopy(value)
    return merged
