import { afterEach, describe, expect, it, vi } from 'vitest';
import { tensor } from '../../src';
import { MIME } from '../../kernel/protocol';
import { bundleOf, display, displayBundle, setDisplaySink, isDisplayable, clearOutput, inKernel, type DisplayMessage } from '../../kernel/src/display';
import { installDisplayMethods } from '../../kernel/src/install';

afterEach(() => setDisplaySink(null));

function capture(): { messages: [DisplayMessage, boolean][] } {
  const messages: [DisplayMessage, boolean][] = [];
  setDisplaySink((m, u) => messages.push([m, u]));
  return { messages };
}

describe('bundleOf', () => {
  it('uses the display symbol, adding text/plain when missing', () => {
    const obj = { [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>x</b>' }) };
    expect(isDisplayable(obj)).toBe(true);
    const b = bundleOf(obj);
    expect(b['text/html']).toBe('<b>x</b>');
    expect(typeof b['text/plain']).toBe('string');
  });
  it('falls back to inspect, and strings as they are', () => {
    expect(bundleOf({ a: 1 })).toEqual({ 'text/plain': '{ a: 1 }' });
    expect(bundleOf('hi')).toEqual({ 'text/plain': 'hi' });
    expect(isDisplayable(null)).toBe(false);
  });
  it('tensors are displayable once the kernel layer installed its methods', () => {
    installDisplayMethods();
    const b = bundleOf(tensor([1, 2, 3]));
    expect(Object.keys(b)).toContain(MIME.tensor);
  });
});

describe('display', () => {
  it('sends the whole bundle in one message with a display id, and updates in place', () => {
    const { messages } = capture();
    expect(inKernel()).toBe(true);
    const h = display({ [Symbol.for('Jupyter.display')]: () => ({ 'text/plain': 'a', 'text/html': '<i>a</i>', 'application/vnd.nnlab.run+json': { n: 1 } }) });
    h.update('b');
    expect(messages).toHaveLength(2);
    const [first, update1] = messages[0];
    expect(update1).toBe(false);
    expect(first.data).toEqual({ 'text/plain': 'a', 'text/html': '<i>a</i>', 'application/vnd.nnlab.run+json': { n: 1 } });
    expect(first.transient.display_id).toBe(h.id);
    expect(messages[1][1]).toBe(true);
    expect(messages[1][0]).toEqual({ data: { 'text/plain': 'b' }, metadata: {}, transient: { display_id: h.id } });
    displayBundle({ 'text/plain': 'c' }, { id: 'fixed' });
    expect(messages[2][0].transient.display_id).toBe('fixed');
  });

  it('prints the text outside a kernel, and clearOutput asks the sink when it can', () => {
    setDisplaySink(null);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    display('plain');
    expect(log).toHaveBeenCalledWith('plain');
    log.mockRestore();
    const cleared: boolean[] = [];
    setDisplaySink(Object.assign(() => undefined, { clearOutput: (wait: boolean) => cleared.push(wait) }));
    clearOutput(true);
    expect(cleared).toEqual([true]);
  });
});
