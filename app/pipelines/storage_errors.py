"""Object-storage failures in words an operator can act on, for every pipeline's messages."""

import urllib3.exceptions
from minio.error import MinioException, S3Error

from app.settings import Settings


def describe_storage_error(
    error: BaseException, step: str, settings: Settings, advice: str
) -> str | None:
    """A message for a storage failure during `step`, or None if `error` is not one."""
    if isinstance(error, S3Error):
        what = f"{error.code}: {error.message} (bucket {error.bucket_name})"
    elif isinstance(error, MinioException | urllib3.exceptions.HTTPError):
        what = str(error)
    else:
        return None
    where = f"object storage at {settings.s3_endpoint}"
    return f"{where} failed during the {step} step: {what}. {advice}"
