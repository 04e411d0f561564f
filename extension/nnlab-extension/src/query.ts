/**
 * Asking the nnlab kernel what it holds, and running small silent commands.
 *
 * A query is a silent execute request whose code is `%nnlab_query {json}`;
 * the nnlab kernel answers it at once (even while a cell trains) with one
 * `display_data` of `application/vnd.nnlab.query+json` (kernel/README.md).
 *
 * @example const list = await queryKernel(kernel, { op: 'list' }) as ListResult;
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { MIME, QUERY_MAGIC, type QueryPayload, type QueryRequest, type QueryResult } from './protocol';
import { isRecord } from './dom';

export class QueryError extends Error {
  constructor(
    message: string,
    readonly op: string
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms);
    promise.then(
      v => {
        clearTimeout(timer);
        resolve(v);
      },
      e => {
        clearTimeout(timer);
        reject(e);
      }
    );
  });
}

/** Sends one query and resolves to its result; rejects with the kernel's error message. */
export async function queryKernel(kernel: Kernel.IKernelConnection, request: QueryRequest, timeoutMs = 20000): Promise<QueryResult> {
  let answer: QueryPayload | null = null;
  const future = kernel.requestExecute(
    { code: `${QUERY_MAGIC} ${JSON.stringify(request)}`, silent: true, store_history: false, allow_stdin: false, stop_on_error: false },
    true
  );
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const type = msg.header.msg_type;
    if (type !== 'display_data' && type !== 'execute_result') return;
    const data = (msg.content as { data?: Record<string, unknown> }).data;
    const payload = data?.[MIME.query];
    if (isRecord(payload) && payload.kind === 'query') answer = payload as unknown as QueryPayload;
  };
  const reply = (await withTimeout(future.done, timeoutMs, `nnlab query '${request.op}'`)) as KernelMessage.IExecuteReplyMsg;
  const got = answer as QueryPayload | null;
  if (!got) {
    const content = reply?.content as { status?: string; evalue?: string } | undefined;
    const why = content?.status === 'error' ? ` (${content.evalue ?? 'error'})` : '';
    throw new QueryError(`this kernel does not answer nnlab queries${why}; use the "nnlab (TypeScript)" kernel`, request.op);
  }
  if (!got.ok) throw new QueryError(got.error, got.op);
  return got.result;
}

/**
 * Runs TypeScript silently in the kernel (it queues behind running cells) and
 * resolves to what it printed on stdout; rejects with the kernel's error.
 */
export async function runSilently(kernel: Kernel.IKernelConnection, code: string, timeoutMs = 120000): Promise<string> {
  let stdout = '';
  const future = kernel.requestExecute({ code, silent: true, store_history: false, allow_stdin: false, stop_on_error: false }, true);
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === 'stream') {
      const content = msg.content as KernelMessage.IStreamMsg['content'];
      if (content.name === 'stdout') stdout += content.text;
    }
  };
  const reply = (await withTimeout(future.done, timeoutMs, 'nnlab command')) as KernelMessage.IExecuteReplyMsg;
  const content = reply.content as { status: string; ename?: string; evalue?: string };
  if (content.status !== 'ok') throw new Error(`${content.ename ?? 'Error'}: ${content.evalue ?? content.status}`);
  return stdout;
}
