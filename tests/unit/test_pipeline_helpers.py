from stack.pipeline import failure_excerpt

LOG = """\
2026-11-24T05:04:10Z [info ] Task started
Traceback (most recent call last):
  File "x.py", line 1, in <module>
publish.annual_submission.SubmissionRefused: the 2017 extract for VDI was NOT written: 1 failed:
  - [error] electronic requests do not exceed the total: 1 offending row(s): VDI-07
2026-11-24T05:04:15Z [info ] Task instance state updated new_state=failed
"""


def test_failure_excerpt_is_the_exception_and_its_details() -> None:
    assert failure_excerpt(LOG).splitlines() == [
        "publish.annual_submission.SubmissionRefused: the 2017 extract for VDI was NOT written: "
        "1 failed:",
        "  - [error] electronic requests do not exceed the total: 1 offending row(s): VDI-07",
    ]


def test_failure_excerpt_falls_back_to_the_tail() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    assert failure_excerpt(text, fallback_lines=3) == "line 97\nline 98\nline 99"
