"""Storage in an S3 bucket: AWS S3, SeaweedFS, MinIO, Cloudflare R2 and the like."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from media.storage.base import (
    CHUNK_SIZE,
    ChunkIterator,
    ObjectInfo,
    ObjectNotFound,
    SavedObject,
    Storage,
    StorageError,
    join_url,
    validate_key,
    validate_prefix,
    validate_range,
)

log = logging.getLogger(__name__)

ADDRESSING_STYLES = ("auto", "path", "virtual")

# S3 wants parts of at least 5 MiB. One part is also the largest single read
# save() asks of the caller's stream, which bounds memory per upload to
# about PART_SIZE * IN_MEMORY_PARTS.
PART_SIZE = 8 * 1024 * 1024
IN_MEMORY_PARTS = 4

# Each ranged GET costs a round trip, so open() fetches blocks of this size,
# enough for mutagen to parse a header or a tag block in one request, and
# keeps a few of them (1 MiB per open file at most).
READ_AHEAD = 256 * 1024
CACHED_BLOCKS = 4

# Codes S3 and its imitators answer with when the key (or, for HEAD, which has
# no body to say more, anything) does not exist.
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchUpload"})


class S3Storage(Storage):
    """Objects live in ``bucket`` under ``prefix/``, so one bucket can serve several installs."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_base_url: str | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_attempts: int = 3,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise StorageError("an S3 bucket name is required")
        if addressing_style not in ADDRESSING_STYLES:
            raise StorageError(
                f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)},"
                f" not {addressing_style!r}"
            )
        if (access_key_id is None) != (secret_access_key is None):
            raise StorageError("give both access_key_id and secret_access_key, or neither")
        self.bucket = bucket
        self.prefix = _normalize_prefix(prefix)
        self.public_base_url = public_base_url
        if client is None:
            client = _make_client(
                endpoint_url=endpoint_url,
                region=region,
                addressing_style=addressing_style,
                access_key_id=access_key_id,
                secret_access_key=secret_access_key,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_attempts=max_attempts,
            )
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage({self.bucket!r}, {self.prefix!r})"

    def object_key(self, key: str) -> str:
        """The key in the bucket, after the same validation as every other backend."""
        return self.prefix + validate_key(key)

    def save(self, key: str, stream: BinaryIO, content_type: str) -> SavedObject:
        """Upload through boto3's transfer manager, hashing on the way past.

        The manager switches to a multipart upload above PART_SIZE, so a
        file of any size is sent in bounded parts, and the object appears
        only when the upload completes.
        """
        object_key = self.object_key(key)
        reader = HashingReader(stream)
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.upload_fileobj(
                reader, self.bucket, object_key, ExtraArgs=extra, Config=_transfer_config()
            )
        except Exception as exc:
            self._clean_up_failed_upload(object_key)
            raise StorageError(f"saving {key!r} failed: {_describe(exc)}") from exc
        return SavedObject(key=key, size=reader.size, sha256=reader.hexdigest())

    def _clean_up_failed_upload(self, object_key: str) -> None:
        """Leave neither parts nor an object behind after a failed save.

        boto3 aborts its multipart upload itself, but if that abort failed
        too the parts would cost storage while invisible to listings. An
        object exists after a failure only when the last request went
        through but its answer was lost; the caller was told the save failed
        and will not record it, so it would be an orphan.
        """
        with contextlib.suppress(ClientError, BotoCoreError):
            listing = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=object_key)
            for upload in listing.get("Uploads", []):
                if upload.get("Key") == object_key:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=object_key, UploadId=upload["UploadId"]
                    )
        try:
            self.client.delete_object(Bucket=self.bucket, Key=object_key)
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not delete %s after a failed save: %s", object_key, exc)

    # --- presigned multipart uploads: the browser sends the parts itself ---

    def create_multipart(self, key: str, content_type: str) -> str:
        """Start a multipart upload at ``key`` and return its upload id."""
        with _errors(key, "starting an upload to"):
            answer = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.object_key(key), ContentType=content_type
            )
        return str(answer["UploadId"])

    def presign_part(self, key: str, upload_id: str, number: int, expires_in: int = 3600) -> str:
        """A URL the browser PUTs part ``number`` to; signing is local, no request is made."""
        with _errors(key, "presigning"):
            return self.client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.bucket,
                    "Key": self.object_key(key),
                    "UploadId": upload_id,
                    "PartNumber": number,
                },
                ExpiresIn=expires_in,
            )

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts the store holds, from the store itself, so no client is trusted.

        :raise ObjectNotFound: when the upload is unknown (finished or aborted).
        """
        parts: list[UploadedPart] = []
        with _errors(key, "listing the parts of"):
            paginator = self.client.get_paginator("list_parts")
            pages = paginator.paginate(
                Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id
            )
            for page in pages:
                parts.extend(
                    UploadedPart(int(p["PartNumber"]), int(p["Size"]), str(p["ETag"]))
                    for p in page.get("Parts", [])
                )
        return sorted(parts, key=lambda part: part.number)

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        """Join the parts into the object; until now it did not exist."""
        with _errors(key, "completing the upload to"):
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.object_key(key),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]
                },
            )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop the upload and its parts; an unknown upload is already gone."""
        with contextlib.suppress(ObjectNotFound), _errors(key, "aborting the upload to"):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id
            )

    def unfinished_multipart(self, prefix: str = "") -> list[UnfinishedUpload]:
        """Multipart uploads under ``prefix`` that were neither completed nor aborted."""
        full_prefix = self.prefix + validate_prefix(prefix)
        found = []
        with _errors(prefix, "listing uploads under"):
            paginator = self.client.get_paginator("list_multipart_uploads")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                found.extend(
                    UnfinishedUpload(
                        item["Key"][len(self.prefix) :], item["UploadId"], item.get("Initiated")
                    )
                    for item in page.get("Uploads", [])
                )
        return found

    def allow_browser_origin(self, origin: str) -> bool:
        """Let pages from ``origin`` PUT parts to the bucket (CORS); True if a rule was added.

        The bucket's other rules are kept, so several sites can share it.
        """
        with _errors("", "reading the CORS rules of"):
            try:
                rules = self.client.get_bucket_cors(Bucket=self.bucket)["CORSRules"]
            except ClientError as exc:
                if _error_code(exc) not in {"NoSuchCORSConfiguration", "404"}:
                    raise
                rules = []
        if any(
            origin in rule.get("AllowedOrigins", []) and "PUT" in rule.get("AllowedMethods", [])
            for rule in rules
        ):
            return False
        rules.append(
            {
                "AllowedOrigins": [origin],
                "AllowedMethods": ["PUT", "GET", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3600,
            }
        )
        with _errors("", "setting the CORS rules of"):
            self.client.put_bucket_cors(Bucket=self.bucket, CORSConfiguration={"CORSRules": rules})
        return True

    def rename(self, key: str, new_key: str, content_type: str) -> None:
        """Copy inside the store (multipart for large objects), then delete the old key."""
        source = {"Bucket": self.bucket, "Key": self.object_key(key)}
        with _errors(key, "renaming"):
            self.client.copy(
                source,
                self.bucket,
                self.object_key(new_key),
                ExtraArgs={"ContentType": content_type, "MetadataDirective": "REPLACE"},
                Config=_transfer_config(),
            )
        self.delete(key)

    def open(self, key: str) -> BinaryIO:
        """A seekable reader that fetches only the byte ranges actually read.

        The HEAD up front makes a missing object fail here rather than on
        the first read, and pins the ETag so a concurrent overwrite cannot
        splice two versions into one read.
        """
        object_key = self.object_key(key)
        with _errors(key, "opening"):
            head = self.client.head_object(Bucket=self.bucket, Key=object_key)
        raw = RangeReader(
            self.client, self.bucket, object_key, size=head["ContentLength"], etag=head.get("ETag")
        )
        return io.BufferedReader(raw)

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """One ranged GET, streamed in chunks; the request is made before returning.

        Making it eagerly means a missing object raises here, while the web
        layer can still answer 404 instead of a broken 206.
        """
        validate_range(start, end)
        with _errors(key, "reading"):
            response = self.client.get_object(
                Bucket=self.bucket, Key=self.object_key(key), Range=f"bytes={start}-{end}"
            )
        body = response["Body"]
        if not response.get("ContentRange"):
            # A server that ignored Range would have us send the wrong bytes.
            body.close()
            raise StorageError(f"the S3 endpoint ignored the Range header reading {key!r}")
        return ChunkIterator(body, response["ContentLength"], CHUNK_SIZE)

    def delete(self, key: str) -> None:
        """S3 already treats deleting a missing key as success."""
        with contextlib.suppress(ObjectNotFound), _errors(key, "deleting"):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def size(self, key: str) -> int:
        """From HEAD, so nothing is downloaded."""
        return self.stat(key).size

    def exists(self, key: str) -> bool:
        """HEAD, with 404 meaning no; any other failure is still an error."""
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def url(self, key: str, expires_in: int = 3600) -> str | None:
        """The public URL when the bucket is published, else a presigned GET.

        Presigning is local computation (no request), so it is cheap enough
        to do for every play.
        """
        object_key = self.object_key(key)
        if self.public_base_url is not None:
            return join_url(self.public_base_url, key)
        with _errors(key, "presigning"):
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": object_key},
                ExpiresIn=expires_in,
            )

    def stat(self, key: str) -> ObjectInfo:
        """From HEAD, so nothing is downloaded."""
        with _errors(key, "inspecting"):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        return ObjectInfo(key, int(head["ContentLength"]), head["LastModified"])

    def list_objects(self, prefix: str = "") -> list[ObjectInfo]:
        """Page through the listing; keys come back without our bucket prefix."""
        full_prefix = self.prefix + validate_prefix(prefix)
        found = []
        with _errors(prefix, "listing"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                found.extend(
                    ObjectInfo(item["Key"][len(self.prefix) :], item["Size"], item["LastModified"])
                    for item in page.get("Contents", [])
                )
        return sorted(found, key=lambda info: info.key)

    def check(self) -> None:
        """HEAD the bucket: proves endpoint, credentials and bucket in one request."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            raise StorageError(
                f"S3 bucket {self.bucket!r} is not usable: {_describe(exc)}"
            ) from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 endpoint is not reachable: {exc}") from exc


@dataclass(frozen=True)
class UploadedPart:
    """One part of a multipart upload as the store reports it."""

    number: int
    size: int
    etag: str


@dataclass(frozen=True)
class UnfinishedUpload:
    """A multipart upload nobody completed or aborted; its parts still cost storage."""

    key: str
    upload_id: str
    initiated: datetime | None


class HashingReader:
    """A read-only, deliberately unseekable view of a stream that hashes what passes.

    Unseekable, because boto3 reads seekable files from several threads at
    once, out of order, which would scramble the hash. Each read is filled
    to the size asked, because boto3 turns every read into one multipart
    part and S3 refuses parts under 5 MiB except the last; a request body
    stream may well return less than asked.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        """Tell boto3 this is a file-like it may read."""
        return True

    def seekable(self) -> bool:
        """Tell boto3 to read it sequentially; see the class docstring."""
        return False

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes, fewer only at end of stream."""
        parts = []
        remaining = size if size is not None and size >= 0 else None
        while remaining is None or remaining > 0:
            chunk = self._stream.read(CHUNK_SIZE if remaining is None else remaining)
            if not chunk:
                break
            parts.append(chunk)
            if remaining is not None:
                remaining -= len(chunk)
        data = b"".join(parts)
        self._digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        """SHA-256 of everything read so far."""
        return self._digest.hexdigest()


class RangeReader(io.RawIOBase):
    """Raw reader over an S3 object that fetches aligned blocks with ranged GETs.

    Tag parsers hop between the head of a file, its tail and back (mutagen
    sniffs the header again after reading a trailing tag), so a few recent
    blocks are kept: returning to one costs no request. Reads of a block or
    more bypass the cache and cost exactly one GET.
    """

    def __init__(
        self, client: Any, bucket: str, object_key: str, size: int, etag: str | None
    ) -> None:
        super().__init__()
        self._client = client
        self._bucket = bucket
        self._object_key = object_key
        self._size = size
        self._etag = etag
        self._pos = 0
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        # What inspecting an object costs: measured by bench/upload_probe.py and tests.
        self.bytes_fetched = 0
        self.requests = 0

    @property
    def name(self) -> str:
        """The key, so format sniffers that look at the extension can."""
        return self._object_key

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def seekable(self) -> bool:
        """Always: any offset is one ranged GET away."""
        return True

    def tell(self) -> int:
        """The position, tracked locally since no connection is held open."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move without any request; the next read fetches what is needed."""
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if target < 0:
            raise OSError(f"negative seek position {target}")
        self._pos = target
        return target

    def readinto(self, buffer: Any) -> int:
        """Fill from the block under the position; may return less than asked, as raw I/O does."""
        view = memoryview(buffer).cast("B")
        if self._pos >= self._size or not view:
            return 0
        if len(view) >= READ_AHEAD:
            data = self._get(self._pos, min(self._pos + len(view), self._size))
            view[: len(data)] = data
            self._pos += len(data)
            return len(data)
        data = self._from_block(len(view))
        view[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        """The rest of the object: a short tail through the cache, a long one in one GET.

        Parsers read a trailing tag with ``read()`` after seeking near the
        end, and re-read short files whole; both should hit cached blocks.
        """
        if self._size - self._pos > READ_AHEAD:
            data = self._get(self._pos, self._size)
            self._pos += len(data)
            return data
        parts = []
        while self._pos < self._size:
            parts.append(self._from_block(self._size - self._pos))
        return b"".join(parts)

    def _from_block(self, limit: int) -> bytes:
        """Up to ``limit`` bytes from the position to the end of its block, advancing."""
        index, offset = divmod(self._pos, READ_AHEAD)
        data = self._block(index)[offset : offset + limit]
        self._pos += len(data)
        return data

    def _block(self, index: int) -> bytes:
        """One READ_AHEAD-sized block, from the cache or fetched into it."""
        if index in self._blocks:
            self._blocks.move_to_end(index)
            return self._blocks[index]
        start = index * READ_AHEAD
        block = self._get(start, min(start + READ_AHEAD, self._size))
        self._blocks[index] = block
        if len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block

    def _get(self, start: int, stop: int) -> bytes:
        """GET bytes ``start`` up to ``stop``, refusing a changed object."""
        arguments = {
            "Bucket": self._bucket,
            "Key": self._object_key,
            "Range": f"bytes={start}-{stop - 1}",
        }
        if self._etag:
            arguments["IfMatch"] = self._etag
        with _errors(self._object_key, "reading"):
            response = self._client.get_object(**arguments)
            with contextlib.closing(response["Body"]) as body:
                data = body.read()
        self.bytes_fetched += len(data)
        self.requests += 1
        if len(data) != stop - start:
            raise StorageError(f"{self._object_key!r} ended early at byte {start + len(data)}")
        return data

    def close(self) -> None:
        """Drop the cached blocks; there is no connection to release."""
        self._blocks.clear()
        super().close()


def _make_client(
    *,
    endpoint_url: str | None,
    region: str | None,
    addressing_style: str,
    access_key_id: str | None,
    secret_access_key: str | None,
    connect_timeout: float,
    read_timeout: float,
    max_attempts: int,
) -> Any:
    """A client that works against S3 imitators as well as AWS.

    Checksums only "when required": the newer default adds CRC headers and
    chunked trailers that several S3-compatible servers reject. Missing
    credentials fall through to boto3's usual chain (environment, config
    files, instance roles).
    """
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": addressing_style},
        # botocore's "max_attempts" counts retries only; ours counts every attempt.
        retries={"total_max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    try:
        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )
    except (BotoCoreError, ValueError) as exc:
        raise StorageError(f"cannot configure the S3 client: {exc}") from exc


def _transfer_config() -> TransferConfig:
    """Bounded parts and a bounded number of them in memory; see PART_SIZE."""
    config = TransferConfig(
        multipart_threshold=PART_SIZE,
        multipart_chunksize=PART_SIZE,
        max_concurrency=IN_MEMORY_PARTS,
        preferred_transfer_client="classic",
    )
    # Not a constructor argument of boto3's subclass, but an attribute s3transfer reads.
    config.max_in_memory_upload_chunks = IN_MEMORY_PARTS
    return config


@contextlib.contextmanager
def _errors(key: str, action: str) -> Iterator[None]:
    """Translate botocore's exceptions into the storage errors callers catch."""
    try:
        yield
    except ClientError as exc:
        if _error_code(exc) in NOT_FOUND_CODES:
            raise ObjectNotFound(key) from exc
        raise StorageError(f"{action} {key!r} failed: {_describe(exc)}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"{action} {key!r} failed: {exc}") from exc


def _error_code(exc: ClientError) -> str:
    """The S3 error code, or the HTTP status for bodiless answers such as HEAD's."""
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(error.get("Code") or status or "")


def _describe(exc: BaseException) -> str:
    """A one-line reason, with the S3 code up front where there is one."""
    if isinstance(exc, ClientError):
        message = exc.response.get("Error", {}).get("Message") or str(exc)
        return f"{_error_code(exc)}: {message}"
    return str(exc) or type(exc).__name__


def _normalize_prefix(prefix: str) -> str:
    """``a/b``, ``/a/b/`` and ``a/b/`` all mean objects under ``a/b/``."""
    prefix = prefix.strip("/")
    if not prefix:
        return ""
    validate_key(prefix)
    return prefix + "/"
