"""A drain runs a job batch after batch, tries a failed batch once more, and then stops."""

from __future__ import annotations

from sqlmodel import Session

from wflow.core.courier import drain


class Job:
    """A job whose batches fail as told, then handle `sizes` items each."""

    def __init__(self, failures: int, sizes: list[int]) -> None:
        self.failures, self.sizes, self.calls = failures, sizes, 0

    def __call__(self, _session: Session) -> int:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise RuntimeError("batch failed")
        return self.sizes.pop(0) if self.sizes else 0


def test_drain__a_failed_batch_is_tried_again_at_once(session: Session) -> None:
    job = Job(failures=1, sizes=[3, 2])
    assert drain(session, job) == 5
    assert job.calls == 4  # failed, 3, 2, empty


def test_drain__stops_after_the_second_failure(session: Session) -> None:
    job = Job(failures=10, sizes=[3])
    assert drain(session, job) == 0
    assert job.calls == 2  # the items stay for the next drain
