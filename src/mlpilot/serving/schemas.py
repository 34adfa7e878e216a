"""Request and response bodies (pydantic): mlpilot's own routes and the Open Inference Protocol v2."""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PredictRequest", "PredictResponse", "ExplainRequest", "RowExplanation", "Label", "FeedbackRequest", "FeedbackResponse", "InferTensor", "InferRequest", "InferResponse", "PromoteRequest",
           "RollbackRequest", "AliasResponse", "ErrorResponse", "Value"]

Value = Union[bool, int, float, str, None]  # what one cell of a row may be


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"rows": [{"age": 52, "smoker": "yes", "bmi": 31.2}]}]})

    rows: list[dict[str, Value]] = Field(description="One object per row: column name -> value (missing: null "
                                                      "or left out).")
    explain: bool = Field(False, description="Also answer each row's explanation (as the explain route does).")


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={
        "examples": [{"rows": [{"age": 52, "smoker": "yes", "bmi": 31.2}]}]})

    rows: list[dict[str, Value]] = Field(description="One object per row: column name -> value (missing: null "
                                                      "or left out).")
    class_: Optional[Union[bool, int, float, str]] = Field(
        None, alias="class", description="Classification: the class whose probability to explain (default: the "
                                         "positive class for binary, each row's predicted class for multiclass).")


class RowExplanation(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    class_: Optional[Value] = Field(None, alias="class", description="Classification: the class explained.")
    prediction: float = Field(description="The value, or the explained class's probability.")
    baseline: float = Field(description="The answer with no column known (the model's average answer).")
    contributions: dict[str, float] = Field(description="Each column's contribution; they add up to prediction - "
                                                        "baseline.")


class PredictResponse(BaseModel):
    model: str
    version: int
    request_id: str
    predictions: list[Value] = Field(description="Predicted class label, or value for regression, per row.")
    probabilities: Optional[list[dict[str, float]]] = Field(
        None, description="Classification: per row, the probability of each class (by label).")
    explanations: Optional[list[RowExplanation]] = Field(
        None, description="With explain: per row, each column's contribution to the answer.")
    dropped: Optional[dict[str, str]] = Field(
        None, description="With explain: the columns the model never saw (dropped before training), with the reason.")


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=200, description="The request_id a prediction answer gave.")
    row: int = Field(0, ge=0, description="The row's position in that request (0 for the first).")
    label: Union[bool, int, float, str] = Field(description="The true class label, or value for regression.")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"labels": [{"request_id": "5f0c...", "row": 0, "label": "sick"}]}]})

    labels: list[Label] = Field(min_length=1, description="True labels of earlier predictions; they may come "
                                                           "late, and for only some rows.")


class FeedbackResponse(BaseModel):
    model: str
    accepted: int


class ErrorResponse(BaseModel):
    error: str


class InferTensor(BaseModel):
    """One input tensor: in a tabular request, one column (``shape`` [rows] or [rows, 1])."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    shape: list[int] = Field(min_length=1, max_length=2)
    datatype: Literal["BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
                      "FP16", "FP32", "FP64", "BYTES"]
    data: list[Any]
    parameters: Optional[dict[str, Any]] = None


class InferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Optional[str] = None
    parameters: Optional[dict[str, Any]] = None
    inputs: list[InferTensor] = Field(min_length=1)
    outputs: Optional[list[dict[str, Any]]] = None


class InferOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[Any]
    parameters: Optional[dict[str, Any]] = None


class InferResponse(BaseModel):
    model_name: str
    model_version: str
    id: str
    parameters: Optional[dict[str, Any]] = None
    outputs: list[InferOutput]


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    alias: Literal["champion", "challenger"] = "champion"


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alias: Literal["champion", "challenger"] = "champion"


class AliasResponse(BaseModel):
    model: str
    alias: str
    version: int
    previous: Optional[int]
    serving: int = Field(description="The version this server answers with now.")
