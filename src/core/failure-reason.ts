/** The most telling line of a failed process start: an etcd panic/fatal line from the log tail, else the message's first line. */
export function failureReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n');
  const telling = lines.find((l) => /panic|fatal|invalid|corrupt|checksum|unexpected EOF/i.test(l)) ?? lines[0] ?? 'start failed';
  return readableLogLine(telling.trim()).slice(0, 200);
}

/** etcd logs JSON lines: keep `msg: error` of them. */
function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as { msg?: string; error?: string };
    return [entry.msg, entry.error].filter(Boolean).join(': ') || line;
  } catch {
    return line;
  }
}
