import time

from mlpilot.evaluate.latency import median_ms


def test_median_ms_times_the_calls_after_the_warmup():
    calls = []
    ms = median_ms(lambda: (calls.append(1), time.sleep(0.002)), repeats=5, warmup=2)
    assert len(calls) == 7
    assert 1.5 <= ms < 200
