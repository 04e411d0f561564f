import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { WireMessage, errorContent, historyReply, sendInOrder, type HistoryEntry } from '../../kernel/src/launcher';

describe('WireMessage', () => {
  it('parses signed frames, rejects a bad signature, and signs replies', async () => {
    const key = 'secret';
    const parts = [{ msg_id: 'm1', msg_type: 'execute_request', session: 's', username: 'u', version: '5.3', date: '' }, {}, {}, { code: '1' }].map((x) => Buffer.from(JSON.stringify(x)));
    const hmac = createHmac('sha256', key);
    parts.forEach((p) => hmac.update(p));
    const frames = [Buffer.from('id'), Buffer.from('<IDS|MSG>'), Buffer.from(hmac.digest('hex')), ...parts];
    const msg = WireMessage.fromRaw(key, frames);
    expect(msg.content).toEqual({ code: '1' });
    expect(msg.identity.map(String)).toEqual(['id']);
    expect(() => WireMessage.fromRaw(key, [...frames.slice(0, 2), Buffer.from('bad'), ...parts])).toThrow(/invalid hmac/);
    expect(() => WireMessage.fromRaw(key, parts)).toThrow(/missing delimiter/);

    const reply = msg.createReply('execute_reply');
    reply.content = { status: 'ok' };
    let sent: (Buffer | string)[] = [];
    await reply.signAndSend(key, { send: async (f: unknown[]) => void (sent = f as (Buffer | string)[]) });
    expect(String(sent[0])).toBe('id');
    const bodies = sent.slice(3).map(String);
    expect(JSON.parse(bodies[1]).msg_id).toBe('m1'); // parent header
    expect(JSON.parse(bodies[0]).msg_type).toBe('execute_reply');
    const check = createHmac('sha256', key);
    bodies.forEach((b) => check.update(b));
    expect(sent[2]).toBe(check.digest('hex'));
  });
});

describe('sendInOrder', () => {
  it('queues sends on a socket that allows one pending send (zeromq 6), in order, none lost', async () => {
    // A socket like zeromq's: a send while another is pending throws "busy"; each send takes a while.
    const got: number[] = [];
    let pending = false;
    const sock = {
      send(frames: unknown[]): Promise<void> {
        if (pending) throw new Error('Socket is busy writing; only one send operation may be in progress at any time');
        pending = true;
        return new Promise((resolve) => setTimeout(() => { pending = false; got.push(frames[0] as number); resolve(); }, Math.random() * 2));
      },
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => sendInOrder(sock, [i])));
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('a peer past its high-water mark (EAGAIN) gets the message once it reads again, in order', async () => {
    // zeromq 6 fails a send at the high-water mark with EAGAIN instead of waiting.
    const got: string[] = [];
    let busyFor = 5;
    const sock = {
      send: async (f: unknown[]) => {
        if (busyFor-- > 0) throw Object.assign(new Error('Operation was not possible or timed out'), { code: 'EAGAIN' });
        got.push(f[0] as string);
      },
    };
    await Promise.all(['a', 'b', 'c'].map((x) => sendInOrder(sock, [x])));
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('a failed send does not stop the ones behind it', async () => {
    const got: string[] = [];
    const sock = { send: async (f: unknown[]) => { if (f[0] === 'bad') throw new Error('closed'); got.push(f[0] as string); } };
    await Promise.all(['a', 'bad', 'b'].map((x) => sendInOrder(sock, [x])));
    expect(got).toEqual(['a', 'b']);
  });
});

describe('errorContent', () => {
  it('turns a thrown error into ename, evalue and a traceback without internals', () => {
    const e = new TypeError('bad thing');
    e.stack = 'TypeError: bad thing\n    at evalmachine.<anonymous>:2:7\n    at node:internal/x\n    at /p/node_modules/tslab/dist/executor.js:1:1';
    expect(errorContent([[e]])).toEqual({ ename: 'TypeError', evalue: 'bad thing', traceback: ['TypeError: bad thing', '    at evalmachine.<anonymous>:2:7'] });
  });
  it('reports TypeScript diagnostics as one TSError and interrupts as KeyboardInterrupt', () => {
    const c = errorContent([['%s%d:%d - %s', '', 1, 5, "Cannot find name 'x'."], ['%s%d:%d - %s', '', 2, 1, 'Second.']]);
    expect(c.ename).toBe('TSError');
    expect(c.traceback).toEqual(['TypeScript error(s):', "1:5 - Cannot find name 'x'.", '2:1 - Second.']);
    expect(errorContent([[new Error('Interrupted asynchronously')]]).ename).toBe('KeyboardInterrupt');
    expect(errorContent([['thrown string']]).evalue).toBe("'thrown string'");
  });
});

describe('historyReply', () => {
  const history: HistoryEntry[] = [
    { session: 1, line: 1, input: 'a = 1', output: null },
    { session: 1, line: 2, input: '6 * 7', output: '42' },
    { session: 1, line: 3, input: '6 * 7', output: '42' },
  ];
  it('answers tail, range and search (glob, unique, n)', () => {
    expect(historyReply(history, { hist_access_type: 'tail', n: 2 }).history).toEqual([[1, 2, '6 * 7'], [1, 3, '6 * 7']]);
    expect(historyReply(history, { hist_access_type: 'tail', n: 1, output: true }).history).toEqual([[1, 3, ['6 * 7', '42']]]);
    expect(historyReply(history, { hist_access_type: 'range', session: 1, start: 1, stop: 2 }).history).toEqual([[1, 1, 'a = 1']]);
    expect(historyReply(history, { hist_access_type: 'search', pattern: '6 *' }).history).toHaveLength(2);
    expect(historyReply(history, { hist_access_type: 'search', pattern: '6 *', unique: true }).history).toEqual([[1, 3, '6 * 7']]);
    expect(historyReply(history, { hist_access_type: 'search', pattern: 'b*' }).history).toEqual([]);
    expect(historyReply(history, { hist_access_type: 'search', pattern: 'a?=*' }).history).toEqual([[1, 1, 'a = 1']]);
    expect(historyReply(history, { hist_access_type: 'search', pattern: 'a =*' }).history).toEqual([[1, 1, 'a = 1']]);
  });
});

describe('expandShorthandProperties', () => {
  it('spells out shorthand properties, leaving binding patterns and strings alone', async () => {
    const ts = await import('typescript');
    const { expandShorthandProperties } = await import('../../kernel/src/launcher');
    expect(expandShorthandProperties('fit(model, { trainLoader, optimizer, epochs: 3 })', ts)).toBe('fit(model, { trainLoader: trainLoader, optimizer: optimizer, epochs: 3 })');
    expect(expandShorthandProperties('const { a, b } = o; const s = "{ a }";', ts)).toBe('const { a, b } = o; const s = "{ a }";');
    expect(expandShorthandProperties('({ a = 1 } = o);', ts)).toBe('({ a: a = 1 } = o);');
    expect(expandShorthandProperties('f({ g: { h } })', ts)).toBe('f({ g: { h: h } })');
    expect(expandShorthandProperties('1 + 1', ts)).toBe('1 + 1');
  });
});
