"""The record tables' typed columns (`simulator.engine.records.Columns`)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.records import Columns


def test_rows_go_to_their_columns_in_order() -> None:
    table = Columns(task="q", asked="d", mode="b")
    table.add(7, 1.5, 0)
    table.add(9, 2.25, 1)
    cols = table.arrays()
    assert cols["task"].tolist() == [7, 9] and cols["task"].dtype == np.int64
    assert cols["asked"].tolist() == [1.5, 2.25] and cols["asked"].dtype == np.float64
    assert cols["mode"].tolist() == [0, 1] and cols["mode"].dtype == np.int8


@pytest.mark.parametrize("row", [(7, 1.5), (7, 1.5, 0, 3)])
def test_a_row_of_the_wrong_length_is_refused_and_nothing_is_written(row: tuple) -> None:
    table = Columns(task="q", asked="d", mode="b")
    with pytest.raises(ValueError, match="a row of 3 values"):
        table.add(*row)
    assert all(len(c) == 0 for c in table.arrays().values())
