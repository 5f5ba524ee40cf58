// A small multipart/form-data parser (RFC 7578) over a body already read into memory (bounded by bodyLimit).

import { ServerError } from './errors.ts';

/** One part of a form: a field, or a file when it has a filename. */
export interface FormPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** The boundary parameter of a multipart/form-data Content-Type, or throws MULTIPART_INVALID. */
export function multipartBoundary(contentType: string | undefined): string {
  const ct = contentType ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(ct)) {
    throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'the body must be multipart/form-data', { contentType: ct });
  }
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(ct);
  if (m === null) throw new ServerError('MULTIPART_INVALID', 'multipart/form-data without a boundary', { reason: 'no boundary' });
  return m[1] ?? m[2];
}

function invalid(reason: string): ServerError {
  return new ServerError('MULTIPART_INVALID', `malformed multipart body: ${reason}`, { reason });
}

/** Parses a Content-Disposition header's `name` and `filename` (quoted or token; `filename*` is not needed by form clients). */
function disposition(value: string): { name: string; filename: string | undefined } {
  if (!/^form-data\b/i.test(value.trim())) throw invalid('a part is not form-data');
  const param = (key: string): string | undefined => {
    const re = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
    const m = re.exec(value);
    if (m === null) return undefined;
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  };
  const name = param('name');
  if (name === undefined) throw invalid('a part has no name');
  return { name, filename: param('filename') };
}

/**
 * Splits a multipart/form-data body into parts. Throws MULTIPART_INVALID for a missing boundary, a part without
 * headers or name, or a body that does not end with the closing delimiter. Part data are views into `body` (no
 * copy). Cost: O(body length).
 */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw invalid('no boundary delimiter');
  for (;;) {
    pos += delim.length;
    // "--" after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    // Skip transport padding and the CRLF that ends the delimiter line.
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else if (body[pos] === 0x0a) pos += 1;
    else throw invalid('a delimiter is not followed by a line break');
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw invalid('a part has no header end');
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw invalid('a part header has no colon');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const dataStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), dataStart);
    if (next < 0) throw invalid('the body does not end with the closing delimiter');
    const cd = headers.get('content-disposition');
    if (cd === undefined) throw invalid('a part has no Content-Disposition');
    const { name, filename } = disposition(cd);
    parts.push({ name, filename, contentType: headers.get('content-type'), data: body.subarray(dataStart, next) });
    pos = next + 2;
  }
}

/** Builds a multipart/form-data body (for tests and the load generator). */
export function buildMultipart(
  fields: ReadonlyArray<{ name: string; value: string | Buffer; filename?: string; contentType?: string }>,
  boundary = `----asr${Math.random().toString(16).slice(2)}`,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const f of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"`;
    if (f.filename !== undefined) head += `; filename="${f.filename}"`;
    head += '\r\n';
    if (f.contentType !== undefined) head += `Content-Type: ${f.contentType}\r\n`;
    chunks.push(Buffer.from(head + '\r\n'), typeof f.value === 'string' ? Buffer.from(f.value) : f.value, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
