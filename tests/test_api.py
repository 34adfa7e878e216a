import mlpilot


def test_public_api_is_exactly_the_documented_set():
    assert sorted(mlpilot.__all__) == sorted(
        ["fit", "report", "load", "Predictor", "AutoClassifier", "AutoRegressor", "errors", "__version__"])
    for name in mlpilot.__all__:
        assert hasattr(mlpilot, name)


def test_every_error_is_a_builtin_too():
    from mlpilot import errors

    assert issubclass(errors.DataError, ValueError)
    assert issubclass(errors.SchemaError, errors.DataError)
    assert issubclass(errors.BundleError, OSError)
    assert issubclass(errors.NotFittedError, AttributeError) and issubclass(errors.NotFittedError, ValueError)
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.MlpilotError)
