"""Duration and delay distributions as a scenario writes them (their samplers: `engine.streams`).

A distribution is written in a scenario as an inline table with a `dist` key,
for example ``{ dist = "lognormal", mean = 2.0, sd = 1.0 }``. Every kind is
parameterised by quantities a planner can read (means and spreads in the unit of
the field, hours for task durations, days for delays), not by the underlying
mathematical parameters.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
# A parameter's unit is the unit of the key the distribution is given for: hours for a
# task's duration_hours, days for a delay (`reference.describe` fills it in).
FIELD_UNIT = "the key's unit"
_IN_FIELD_UNIT: dict[str, Any] = {"unit": FIELD_UNIT}
_KIND = "The kind of distribution."
MAX_SPREAD = 100.0  # a lognormal's sd / mean


class Fixed(BaseModel):
    """Always the same value."""

    model_config = _STRICT
    dist: Literal["fixed"] = Field(description=_KIND)
    value: float = Field(ge=0, description="The value.", json_schema_extra=_IN_FIELD_UNIT)

    def mean(self) -> float:
        return self.value


class Exponential(BaseModel):
    """Exponential with the given mean (memoryless; the queueing-theory reference)."""

    model_config = _STRICT
    dist: Literal["exponential"] = Field(description=_KIND)
    mean_: float = Field(
        gt=0, alias="mean", description="The mean.", json_schema_extra=_IN_FIELD_UNIT
    )

    def mean(self) -> float:
        return self.mean_


class Lognormal(BaseModel):
    """Lognormal with the given mean and standard deviation (right-skewed task times)."""

    model_config = _STRICT
    dist: Literal["lognormal"] = Field(description=_KIND)
    mean_: float = Field(
        gt=0, alias="mean", description="The mean.", json_schema_extra=_IN_FIELD_UNIT
    )
    sd: float = Field(
        ge=0,
        description="The standard deviation: the typical spread around the mean (at most "
        f"{MAX_SPREAD:g} times the mean).",
        json_schema_extra=_IN_FIELD_UNIT,
    )

    @model_validator(mode="after")
    def _spread(self) -> Lognormal:
        # far beyond any task time (their sd is about the mean), and the lognormal's
        # parameters overflow a float long before sd / mean reaches 1e155
        if self.sd > MAX_SPREAD * self.mean_:
            raise ValueError(
                f"sd: {self.sd:g} is more than {MAX_SPREAD:g} times the mean ({self.mean_:g})"
            )
        return self

    def mean(self) -> float:
        return self.mean_


class Triangular(BaseModel):
    """Triangular between `low` and `high` with its peak at `mode`."""

    model_config = _STRICT
    dist: Literal["triangular"] = Field(description=_KIND)
    low: float = Field(ge=0, description="The least value.", json_schema_extra=_IN_FIELD_UNIT)
    mode: float = Field(
        ge=0, description="The most likely value.", json_schema_extra=_IN_FIELD_UNIT
    )
    high: float = Field(ge=0, description="The greatest value.", json_schema_extra=_IN_FIELD_UNIT)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Empirical(BaseModel):
    """One of the observed `values`, with optional `weights` (default: equally likely)."""

    model_config = _STRICT
    dist: Literal["empirical"] = Field(description=_KIND)
    values: list[Annotated[float, Field(ge=0)]] = Field(
        min_length=1, description="The values observed.", json_schema_extra=_IN_FIELD_UNIT
    )
    weights: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None,
        description="How often each value occurs, one weight per value, relative to each "
        "other (default: all equally often).",
        json_schema_extra={"unit": "relative weights"},
    )

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def cumulative(self) -> list[float]:
        weights = self.weights or [1.0] * len(self.values)
        total, cumulative = 0.0, []
        for w in weights:
            total += w
            cumulative.append(total / sum(weights))
        return cumulative

    def mean(self) -> float:
        weights = self.weights or [1.0] * len(self.values)
        return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Triangular | Empirical, Field(discriminator="dist")
]
