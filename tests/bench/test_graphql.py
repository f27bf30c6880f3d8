"""The bench's job timing: from the mutation to the job's own completion timestamp."""

from datetime import UTC, datetime

from bench.graphql import finished_seconds


def test_a_jobs_time_ends_at_its_completion_timestamp_not_at_the_poll_that_saw_it():
    sent_at = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC).timestamp()

    seconds = finished_seconds(sent_at, "2026-12-01T10:00:27.250000+00:00", noticed=27.9)

    assert abs(seconds - 27.25) < 1e-6


def test_without_a_completion_timestamp_the_poll_that_saw_it_decides():
    assert finished_seconds(1_000.0, None, noticed=12.5) == 12.5
