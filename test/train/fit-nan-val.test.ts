/** NaN in the validation data: fit warns with the epoch and step instead of recording a silent NaN. */
import { describe, it, expect, vi } from 'vitest';
import * as nn from '../../src';

describe('fit with NaN validation data', () => {
  it('warns once per epoch naming the epoch and the step', async () => {
    nn.manualSeed(1);
    const x = nn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = nn.tensor([0, 1, 1, 0], { dtype: 'int32' });
    const trainLoader = new nn.data.DataLoader(new nn.data.TensorDataset(x, y), { batchSize: 4 });
    const valLoader = new nn.data.DataLoader(new nn.data.TensorDataset(nn.tensor([[0, NaN], [1, 1]]), nn.tensor([1, 0], { dtype: 'int32' })), { batchSize: 2 });
    const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Tanh(), new nn.Linear(4, 2));
    const optimizer = new nn.optim.SGD(model.parameters(), { lr: 0.1 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const run = await nn.fit(model, { trainLoader, valLoader, optimizer, epochs: 2 });
      expect(run.status).toBe('completed');
      const messages = warn.mock.calls.map((c) => String(c[0]));
      expect(messages).toEqual([
        'fit: the validation loss is NaN after step 1 (epoch 1); check valLoader for NaN or Inf inputs or targets',
        'fit: the validation loss is NaN after step 2 (epoch 2); check valLoader for NaN or Inf inputs or targets',
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
