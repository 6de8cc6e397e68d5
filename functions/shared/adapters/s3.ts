import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isAwsError, translateAwsError } from './aws-errors';

export async function putObject(s3: S3Client, bucket: string, key: string, body: string, contentType: string): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  } catch (error) {
    throw translateAwsError(error, `PutObject s3://${bucket}/${key}`);
  }
}

/**
 * Writes only if nothing is there yet (S3 conditional write). Returns false when the key
 * exists: that is how an investigation claims an instance without a lock table.
 */
export async function putObjectIfAbsent(s3: S3Client, bucket: string, key: string, body: string): Promise<boolean> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }));
    return true;
  } catch (error) {
    // 409 ConditionalRequestConflict: a concurrent writer to the same key won the race.
    if (isAwsError(error, 'PreconditionFailed', 'ConditionalRequestConflict')) return false;
    throw translateAwsError(error, `PutObject (if absent) s3://${bucket}/${key}`);
  }
}

export async function getObjectText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (isAwsError(error, 'NoSuchKey', 'NotFound')) return undefined;
    throw translateAwsError(error, `GetObject s3://${bucket}/${key}`);
  }
}

/** The object's text and ETag (for a later conditional delete), or undefined when absent. */
export async function getObjectVersioned(s3: S3Client, bucket: string, key: string): Promise<{ text: string; etag: string } | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? '' };
  } catch (error) {
    if (isAwsError(error, 'NoSuchKey', 'NotFound')) return undefined;
    throw translateAwsError(error, `GetObject s3://${bucket}/${key}`);
  }
}

/**
 * Deletes the object only if it is still the version read (`If-Match` on its ETag; S3 supports
 * conditional deletes on general purpose buckets). False when it changed or is gone: a claim
 * another investigation wrote since we read it is not ours to delete.
 */
export async function deleteObjectIfUnchanged(s3: S3Client, bucket: string, key: string, etag: string): Promise<boolean> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }));
    return true;
  } catch (error) {
    if (isAwsError(error, 'PreconditionFailed', 'NoSuchKey', 'NotFound')) return false;
    throw translateAwsError(error, `DeleteObject s3://${bucket}/${key}`);
  }
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isAwsError(error, 'NotFound', 'NoSuchKey')) return false;
    throw translateAwsError(error, `HeadObject s3://${bucket}/${key}`);
  }
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    throw translateAwsError(error, `DeleteObject s3://${bucket}/${key}`);
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string, limit = 1000): Promise<string[]> {
  const keys: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push(object.Key);
        if (keys.length >= limit) return keys;
      }
    }
  } catch (error) {
    throw translateAwsError(error, `ListObjectsV2 s3://${bucket}/${prefix}`);
  }
  return keys;
}
