import { describe, expect, it } from 'vitest';
import { sendFromBox } from '@/components/send-text';

describe('sendFromBox', () => {
  it('empties the box once the text is sent', async () => {
    const box = { value: 'hello' };
    const sent: string[] = [];
    await expect(sendFromBox(box, async (text) => (sent.push(text), { ok: true }))).resolves.toEqual({ ok: true });
    expect(sent).toEqual(['hello']);
    expect(box.value).toBe('');
  });

  it('keeps what the user typed while the send was on its way', async () => {
    const box = { value: 'first' };
    await sendFromBox(box, async () => {
      box.value = 'second, typed meanwhile';
      return { ok: true };
    });
    expect(box.value).toBe('second, typed meanwhile');
  });

  it('keeps the text when sending failed', async () => {
    const box = { value: 'not lost' };
    await expect(sendFromBox(box, async () => ({ ok: false, error: 'not-connected' }))).resolves.toEqual({ ok: false, error: 'not-connected' });
    expect(box.value).toBe('not lost');
  });
});
