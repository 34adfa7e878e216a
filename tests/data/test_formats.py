"""Numbers stored as text with units, currency signs or thousands separators: found, kept in the Schema,
read the same way in training, validation and prediction."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlpilot.data.formats import NumberFormat, detect_number_format, parse_formatted
from mlpilot.data.schema import ColumnKind, Schema, infer_schema
from mlpilot.data.validate import check_frame
from mlpilot.exceptions import SchemaError
from mlpilot.prep.preprocessor import TablePreprocessor


@pytest.mark.parametrize("values, fmt, first", [
    (["$1,200", "$950", "$12,000.50"], NumberFormat("$", "", True), 1200.0),
    (["12.5 kg", "7 kg", "80.25 kg"], NumberFormat("", "kg", False), 12.5),
    (["45%", "3.5%", "100%"], NumberFormat("", "%", False), 45.0),
    (["1,234", "987", "12,345,678"], NumberFormat("", "", True), 1234.0),
    (["€ 5", "€12", "€ 1,000"], NumberFormat("€", "", True), 5.0),
])
def test_written_forms_are_found_and_read(values, fmt, first):
    s = pd.Series(values * 10)
    assert detect_number_format(s) == fmt
    parsed = parse_formatted(s, fmt)
    assert parsed.iloc[0] == first and parsed.notna().all()


@pytest.mark.parametrize("values", [
    ["1.5", "2", "3"],               # plain numbers need no format
    ["C85", "B12", "A7"],            # codes with letters in front are categories
    ["12 kg", "7 lb", "3 oz", "1 t"],  # no shared unit
    ["1,5", "2,25", "3,75"],         # decimal commas are not thousands separators
])
def test_values_without_one_written_form_are_not_numbers(values):
    assert detect_number_format(pd.Series(values * 10)) is None


def test_a_value_in_another_form_reads_as_missing():
    fmt = NumberFormat("$", "", True)
    out = parse_formatted(pd.Series(["$1,000", "1,00", "12 kg", None, "7"]), fmt)
    assert out.iloc[0] == 1000 and out.iloc[4] == 7
    assert out.iloc[1:4].isna().all()


def test_schema_keeps_the_form_and_serving_reads_it():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"price": [f"${v:,}" for v in rng.integers(100, 2_000_000, 200)],
                       "y": rng.normal(size=200)})
    schema = infer_schema(df, "y")
    col = schema.column("price")
    assert col.kind is ColumnKind.NUMERIC and col.number_format == NumberFormat("$", "", True)
    again = Schema.from_dict(json.loads(json.dumps(schema.to_dict())))
    assert again == schema
    pre = TablePreprocessor(schema).fit(df.drop(columns=["y"]))
    M = pre.transform(pd.DataFrame({"price": ["$1,500", "2500", None]}))
    assert M[0, 0] == 1500 and M[1, 0] == 2500 and np.isnan(M[2, 0])
    check_frame(pd.DataFrame({"price": ["$1,500"]}), schema)
    with pytest.raises(SchemaError, match=r"Column 'price'.*'abc'.*written like '\$1,234.5'"):
        check_frame(pd.DataFrame({"price": ["abc"]}), schema)


def test_texts_that_meant_missing_in_training_mean_it_in_requests():
    rng = np.random.default_rng(1)
    values = [("?" if i % 40 == 3 else f"{v:.1f}") for i, v in enumerate(rng.normal(120, 10, 400))]
    df = pd.DataFrame({"pressure": values, "y": rng.integers(0, 2, 400)})
    schema = infer_schema(df, "y")
    col = schema.column("pressure")
    assert col.kind is ColumnKind.NUMERIC and col.missing_values == ("?",)
    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema
    check_frame(pd.DataFrame({"pressure": ["?", "130.5", None]}), schema)
    with pytest.raises(SchemaError, match=r"Column 'pressure'.*'n/a'.*leave a value empty \(or '\?'\)"):
        check_frame(pd.DataFrame({"pressure": ["n/a"]}), schema)
