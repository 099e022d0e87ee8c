// A server-sent-events reader for tests: graphql-yoga's frames ("event: next" / "event: complete", then "data: …").

/** Reads the body frame by frame until the stream ends or is aborted, then resolves. */
export async function readSse(res: Response, onFrame: (event: string, data: unknown) => void): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, cut);
        text = text.slice(cut + 2);
        const event = /^event: (\w+)/.exec(frame)?.[1];
        if (!event) continue;
        const at = frame.indexOf('data: ');
        onFrame(event, at >= 0 && event === 'next' ? JSON.parse(frame.slice(at + 6)) : undefined);
      }
    }
  } catch {
    /* aborted */
  }
}
