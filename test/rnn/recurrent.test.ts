/**
 * RNN, LSTM, GRU layers and cells: exact agreement with PyTorch 1.13,
 * parameter names and shapes, initialisation, gradient checks, bad input.
 */
import { describe, it, expect } from 'vitest';
import {
  RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell, Embedding, chronoInit_, Module, Tensor, Generator, tensor, zeros, randn, manualSeed,
  ShapeError, ArgumentError, Sequential,
} from '../../src';
import { gradcheck, leaf } from '../helpers/gradcheck';

/**
 * Output of test/rnn/torch-reference.py (Debian's torch 1.13, float64):
 * every parameter set by name with `fill(p, nameSeed(name))` below, the
 * inputs and states with the other `fill` calls.
 */
const TORCH = {
  // RNN tanh, time-major, h0 given RNN(3, 4)
  rnnTanh: {
    output: [0.11628695, 0.513543907, 0.0263602702, 0.866499182, 0.614215481, 0.458449621, -0.281444709, 0.938565882, 0.102246392, 0.622019035, -0.0864445319, 0.897592584, -0.611355561, 0.60848965, 0.575888756, 0.649628038, -0.747915649, 0.39718152, 0.857898267, 0.370325881, -0.532938711, 0.175623664, 0.854488563, 0.537497829, 0.0582964998, 0.176258078, 0.582544407, 0.82124531, 0.577314985, 0.328125324, -0.0844042411, 0.940787734, 0.546648929, 0.576943446, -0.455468002, 0.959982478, -0.0163289751, 0.668073338, -0.116910885, 0.895690727],
    hN: [0.546648929, 0.576943446, -0.455468002, 0.959982478, -0.0163289751, 0.668073338, -0.116910885, 0.895690727],
  },
  // RNN relu, 2 layers, batch-first RNN(3, 4, num_layers=2, batch_first=True)
  rnnRelu2: {
    output: [0.29915622, 0, 0, 0, 0.441408204, 0, 0, 0, 0.403998424, 0, 0, 0, 0.286527726, 0, 0, 0, 0.329993328, 0, 0, 0, 0.339467325, 0, 0, 0, 0.368988617, 0, 0, 0, 0.363467331, 0, 0, 0, 0.475999648, 0, 0, 0, 0.407506145, 0, 0, 0],
    hN: [0, 0.485329964, 1.12149338, 0.632507936, 0.105272781, 0.882112435, 0, 1.8701142, 0.329993328, 0, 0, 0, 0.407506145, 0, 0, 0],
  },
  // RNN tanh, bidirectional, no bias RNN(3, 4, bias=False, bidirectional=True)
  rnnBiNoBias: {
    output: [0.54473305, 0.0110250454, -0.552514545, 0.549033408, -0.178381964, 0.574855025, -0.417725631, -0.240588569, 0.627997409, 0.177407369, -0.725492665, 0.634402012, -0.442161416, 0.779453179, -0.564657922, -0.302606387, 0.229043051, 0.266860858, -0.510339062, 0.320610412, -0.405958838, 0.570656031, -0.327220785, -0.166669295, -0.450530395, 0.196945533, 0.180891371, -0.297225666, -0.0524552245, -0.232190696, 0.203936931, 0.121112763, -0.677626672, -0.043624196, 0.671298674, -0.627650557, 0.361545193, -0.743776384, 0.547293182, 0.293730265, -0.483685479, -0.251443048, 0.67600111, -0.533861874, 0.462121451, -0.735031837, 0.500688913, 0.24637676, 0.146194758, -0.25296465, 0.194806913, 0.000923199858, 0.270355117, -0.236391344, 0.0947310403, -0.00619823996, 0.626468782, -0.0907781697, -0.501391048, 0.51949815, -0.179210058, 0.568815876, -0.394459342, -0.2851841, 0.629722883, 0.177599753, -0.726138562, 0.636451948, -0.416932204, 0.749927209, -0.49165776, -0.404759318, 0.206868264, 0.270976471, -0.499910076, 0.302936985, -0.32156722, 0.463786458, -0.171874193, -0.315682901],
    hN: [0.629722883, 0.177599753, -0.726138562, 0.636451948, 0.206868264, 0.270976471, -0.499910076, 0.302936985, -0.178381964, 0.574855025, -0.417725631, -0.240588569, -0.442161416, 0.779453179, -0.564657922, -0.302606387],
  },
  // LSTM, time-major, (h0, c0) given LSTM(3, 4)
  lstm: {
    output: [-0.247900236, -0.0056616695, -0.0108844738, -0.0268353824, -0.42466735, 0.288135917, 0.121181211, -0.0777436157, -0.434740572, 0.0951555001, 0.0771903802, 0.0851043442, -0.279891336, 0.0368605784, 0.209212752, 0.0973895636, -0.175527442, -0.141156984, 0.126701462, 0.0867925372, -0.140216669, -0.137059701, 0.119821123, 0.113017822, -0.305909496, -0.0789004238, 0.0683281698, 0.198399385, -0.489859563, 0.121969698, 0.0721778772, 0.167696074, -0.60111556, 0.209964311, 0.0624769723, 0.106082251, -0.552379144, 0.171588448, 0.111014531, 0.139755394],
    hN: [-0.60111556, 0.209964311, 0.0624769723, 0.106082251, -0.552379144, 0.171588448, 0.111014531, 0.139755394],
    cN: [-0.945426483, 0.347878107, 0.222766579, 0.208894384, -0.959362334, 0.27794845, 0.300162816, 0.372638336],
  },
  // LSTM, 2 layers, bidirectional, batch-first, (h0, c0) given LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
  lstm2Bi: {
    output: [-0.0407129049, -0.0509006427, -0.0929595541, 0.139299821, 0.190783635, 0.158833415, 0.0918188738, -0.0513876317, 0.0463930336, -0.0322251096, -0.163613082, -0.0503424712, 0.187901668, 0.156974396, 0.0961670212, -0.0576692389, 0.0939862802, -0.0148810508, -0.194554794, -0.166843759, 0.179013766, 0.150167033, 0.104464225, -0.0547282718, 0.11602879, -0.00895321972, -0.221009531, -0.236616583, 0.166571396, 0.140914032, 0.119223814, -0.028814257, 0.121985733, -0.0284754657, -0.265403489, -0.286789209, 0.150787897, 0.089883075, 0.173367887, 0.0148124091, 0.142052977, -0.0539381338, -0.189362066, -0.396531409, 0.18281207, 0.157741286, 0.0550865215, -0.0905328235, 0.131340157, -0.0235534141, -0.211883228, -0.363860035, 0.179508851, 0.158339217, 0.0583359353, -0.0860053448, 0.142503206, -0.00193454923, -0.225717579, -0.335524351, 0.176088589, 0.155088523, 0.0504995666, -0.0742892741, 0.147867606, 0.00337157494, -0.236290336, -0.313633283, 0.171816441, 0.141557993, 0.0222853598, -0.063418496, 0.153893888, 0.0128259367, -0.220310426, -0.267328112, 0.110915314, 0.102846885, -0.0438013398, -0.0570785213],
    hN: [-0.214551268, -0.195591624, 0.12785965, 0.100030526, -0.612927193, 0.225511445, 0.121812108, 0.0941461666, -0.276932419, -0.421255778, -0.167309452, -0.285682714, -0.144331117, -0.150167148, -0.509198847, -0.0854786536, 0.121985733, -0.0284754657, -0.265403489, -0.286789209, 0.153893888, 0.0128259367, -0.220310426, -0.267328112, 0.190783635, 0.158833415, 0.0918188738, -0.0513876317, 0.18281207, 0.157741286, 0.0550865215, -0.0905328235],
    cN: [-0.473464829, -0.349656359, 0.185363845, 0.647342466, -1.17259632, 0.372031896, 0.33318528, 0.242980702, -0.697507265, -0.614682131, -0.285922987, -0.55763456, -0.25754193, -0.345255914, -0.778956073, -0.121405528, 0.418694927, -0.0558036651, -0.515577844, -0.420910635, 0.51284216, 0.0259583767, -0.49329265, -0.427155431, 0.64243833, 0.460921566, 0.270567132, -0.0981244399, 0.663788516, 0.462536374, 0.151982098, -0.165583726],
  },
  // LSTM, unbatched input LSTM(3, 4)
  lstmUnbatched: {
    output: [-0.376852974, 0.146335987, 0.0563182591, 0.0520128565, -0.604059267, 0.260255783, 0.0740521125, -0.0305751584, -0.594846278, 0.21523736, 0.119565716, 0.0755918279, -0.421787102, 0.0074966749, 0.173388769, 0.120772834, -0.225687597, -0.185057406, 0.129319869, 0.0998306768],
    hN: [-0.225687597, -0.185057406, 0.129319869, 0.0998306768],
    cN: [-0.500891031, -0.330240294, 0.187163625, 0.649981215],
  },
  // GRU, time-major, h0 given GRU(3, 4)
  gru: {
    output: [0.0437019448, 0.218036473, -0.0534498116, -0.143129111, -0.578760543, 0.44196967, 0.379710997, 0.0342076589, -0.230227014, 0.134972283, 0.228695055, -0.0105728657, -0.442002472, 0.103364113, 0.375201404, 0.416666613, 0.0360803033, -0.116094895, 0.24995483, 0.593984155, -0.108331999, -0.0724837348, 0.10324465, 0.713299169, -0.196062568, -0.0896172179, 0.140597022, 0.611358033, -0.448641065, 0.299387027, 0.136201329, 0.313435967, -0.487952224, 0.401132522, 0.221400224, 0.147381853, -0.592622588, 0.270656968, 0.291809858, 0.204050546],
    hN: [-0.487952224, 0.401132522, 0.221400224, 0.147381853, -0.592622588, 0.270656968, 0.291809858, 0.204050546],
  },
  // GRU, 2 layers, bidirectional, batch-first GRU(3, 4, num_layers=2, batch_first=True, bidirectional=True)
  gru2Bi: {
    output: [-0.000970733266, -0.338376507, -0.397902928, -0.037679225, 0.446970612, 0.260773668, 0.0164510383, -0.0965426999, 0.21839501, -0.1853361, -0.440374637, -0.183528728, 0.551656211, 0.314877279, 0.0398455517, -0.135981898, 0.40233801, 0.00789224118, -0.423372516, -0.28742404, 0.65334511, 0.391615198, 0.0849018448, -0.15020717, 0.540629794, 0.179742151, -0.345352717, -0.336693559, 0.663871326, 0.39766167, 0.136478661, -0.0541864102, 0.605443614, 0.211776555, -0.275016636, -0.369382666, 0.471514128, 0.159747634, 0.168571186, 0.155152531, 0.581791476, 0.263457644, 0.0467887497, -0.407653255, 0.722650191, 0.530660252, 0.067177352, -0.26118988, 0.621754131, 0.180153519, 0.0138670385, -0.439943303, 0.715823812, 0.553483246, 0.0908364629, -0.237483046, 0.609207912, 0.104444952, -0.0302998771, -0.461190257, 0.673520581, 0.554702137, 0.0962699054, -0.209203409, 0.569568298, 0.0436508478, -0.0761415502, -0.463128623, 0.626214106, 0.583441479, 0.0756117748, -0.223903133, 0.496562417, 0.0222269212, -0.0817991691, -0.375685606, 0.563443558, 0.590181471, 0.00393610576, -0.323246979],
    hN: [-0.0635078978, -0.207639581, 0.171748432, 0.707161131, -0.730276308, 0.345514606, 0.331971435, 0.0621895682, -0.269794825, -0.499169328, 0.0256262508, -0.283312617, -0.0743722625, -0.287824548, -0.270634854, -0.0693746051, 0.605443614, 0.211776555, -0.275016636, -0.369382666, 0.496562417, 0.0222269212, -0.0817991691, -0.375685606, 0.446970612, 0.260773668, 0.0164510383, -0.0965426999, 0.722650191, 0.530660252, 0.067177352, -0.26118988],
  },
  // RNNCell tanh RNNCell(3, 4)
  rnnCell: {
    h: [0.0466218796, 0.255701426, 0.0649095639, 0.928489321, 0.766442351, -0.293828056, 0.177167023, 0.942966382],
  },
  // LSTMCell LSTMCell(3, 4)
  lstmCell: {
    h: [-0.204497157, -0.0520776594, -0.0683264234, 0.0117637889, -0.459520963, 0.237608147, 0.0161326053, 0.118900772],
    c: [-0.248040621, -0.101936352, -0.173435828, 0.0196468924, -0.604193574, 0.525643822, 0.0388453241, 0.228464349],
  },
  // GRUCell GRUCell(3, 4)
  gruCell: {
    h: [-0.0329372278, 0.20298539, -0.191079929, -0.0350640653, -0.607610568, 0.462976298, 0.0864325601, 0.261378961],
  },
};

/** The formula of torch-reference.py: scale·sin(freq·i + seed) over the flat index. */
function fill(shape: number[], seed: number, scale = 0.4, freq = 0.7, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, (_, i) => scale * Math.sin(freq * i + seed)), { dtype, shape });
}
function nameSeed(name: string): number {
  let s = 0;
  for (let k = 0; k < name.length; k++) s += (k + 1) * name.charCodeAt(k);
  return s % 997;
}
/** Sets every parameter from its name, as the Python script does. */
function setParams(m: Module, dtype: 'float32' | 'float64'): void {
  for (const [name, p] of m.namedParameters()) {
    p.data.set(fill([...p.shape], nameSeed(name), 0.4, 0.7, dtype).values());
  }
}

const B = 2, T = 5, I = 3, H = 4;
const inputs = (dtype: 'float32' | 'float64') => ({
  xTimeMajor: fill([T, B, I], 0.5, 1.0, 0.3, dtype),
  xBatchFirst: fill([B, T, I], 0.5, 1.0, 0.3, dtype),
  xUnbatched: fill([T, I], 0.5, 1.0, 0.3, dtype),
  h01: fill([1, B, H], 2.0, 0.5, 0.9, dtype),
  c01: fill([1, B, H], 3.0, 0.5, 0.9, dtype),
  h04: fill([4, B, H], 2.0, 0.5, 0.9, dtype),
  c04: fill([4, B, H], 3.0, 0.5, 0.9, dtype),
  xCell: fill([B, I], 0.5, 1.0, 0.3, dtype),
  hCell: fill([B, H], 2.0, 0.5, 0.9, dtype),
  cCell: fill([B, H], 3.0, 0.5, 0.9, dtype),
});

describe.each([
  ['float32', 1e-5],
  ['float64', 1e-7],
] as const)('agreement with PyTorch 1.13 (%s)', (dtype, atol) => {
  const v = inputs(dtype);
  const close = (t: Tensor, expected: number[]) => expect(t.toFlatArray()).toBeAllClose(expected, { atol, rtol: 0 });

  it('RNN tanh, time-major, with h0', () => {
    const rnn = new RNN(I, H, { dtype });
    setParams(rnn, dtype);
    const [out, hN] = rnn.forward(v.xTimeMajor, v.h01);
    expect(out.shape).toEqual([T, B, H]);
    expect(hN.shape).toEqual([1, B, H]);
    close(out, TORCH.rnnTanh.output);
    close(hN, TORCH.rnnTanh.hN);
  });
  it('RNN relu, 2 layers, batch-first', () => {
    const rnn = new RNN(I, H, { numLayers: 2, nonlinearity: 'relu', batchFirst: true, dtype });
    setParams(rnn, dtype);
    const [out, hN] = rnn.forward(v.xBatchFirst);
    expect(out.shape).toEqual([B, T, H]);
    expect(hN.shape).toEqual([2, B, H]);
    close(out, TORCH.rnnRelu2.output);
    close(hN, TORCH.rnnRelu2.hN);
  });
  it('RNN tanh, bidirectional, without bias', () => {
    const rnn = new RNN(I, H, { bidirectional: true, bias: false, dtype });
    setParams(rnn, dtype);
    const [out, hN] = rnn.forward(v.xTimeMajor);
    expect(out.shape).toEqual([T, B, 2 * H]);
    expect(hN.shape).toEqual([2, B, H]);
    close(out, TORCH.rnnBiNoBias.output);
    close(hN, TORCH.rnnBiNoBias.hN);
  });
  it('LSTM, time-major, with (h0, c0)', () => {
    const lstm = new LSTM(I, H, { dtype });
    setParams(lstm, dtype);
    const [out, [hN, cN]] = lstm.forward(v.xTimeMajor, [v.h01, v.c01]);
    close(out, TORCH.lstm.output);
    close(hN, TORCH.lstm.hN);
    close(cN, TORCH.lstm.cN);
  });
  it('LSTM, 2 layers, bidirectional, batch-first, with (h0, c0)', () => {
    const lstm = new LSTM(I, H, { numLayers: 2, bidirectional: true, batchFirst: true, dtype });
    setParams(lstm, dtype);
    const [out, [hN, cN]] = lstm.forward(v.xBatchFirst, [v.h04, v.c04]);
    expect(out.shape).toEqual([B, T, 2 * H]);
    expect(hN.shape).toEqual([4, B, H]);
    close(out, TORCH.lstm2Bi.output);
    close(hN, TORCH.lstm2Bi.hN);
    close(cN, TORCH.lstm2Bi.cN);
  });
  it('LSTM, unbatched input [T, in]', () => {
    const lstm = new LSTM(I, H, { dtype });
    setParams(lstm, dtype);
    const [out, [hN, cN]] = lstm.forward(v.xUnbatched);
    expect(out.shape).toEqual([T, H]);
    expect(hN.shape).toEqual([1, H]);
    close(out, TORCH.lstmUnbatched.output);
    close(hN, TORCH.lstmUnbatched.hN);
    close(cN, TORCH.lstmUnbatched.cN);
  });
  it('GRU, time-major, with h0', () => {
    const gru = new GRU(I, H, { dtype });
    setParams(gru, dtype);
    const [out, hN] = gru.forward(v.xTimeMajor, v.h01);
    close(out, TORCH.gru.output);
    close(hN, TORCH.gru.hN);
  });
  it('GRU, 2 layers, bidirectional, batch-first, with h0', () => {
    const gru = new GRU(I, H, { numLayers: 2, bidirectional: true, batchFirst: true, dtype });
    setParams(gru, dtype);
    const [out, hN] = gru.forward(v.xBatchFirst, v.h04);
    close(out, TORCH.gru2Bi.output);
    close(hN, TORCH.gru2Bi.hN);
  });
  it('RNNCell, LSTMCell, GRUCell', () => {
    const rnn = new RNNCell(I, H, { dtype }), lstm = new LSTMCell(I, H, { dtype }), gru = new GRUCell(I, H, { dtype });
    for (const m of [rnn, lstm, gru]) setParams(m, dtype);
    close(rnn.forward(v.xCell, v.hCell), TORCH.rnnCell.h);
    const [h, c] = lstm.forward(v.xCell, [v.hCell, v.cCell]);
    close(h, TORCH.lstmCell.h);
    close(c, TORCH.lstmCell.c);
    close(gru.forward(v.xCell, v.hCell), TORCH.gruCell.h);
  });
});

describe('parameters', () => {
  it('have PyTorch names, order and shapes', () => {
    const lstm = new LSTM(10, 20, { numLayers: 2, bidirectional: true });
    expect(lstm.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0 80x10', 'weight_hh_l0 80x20', 'bias_ih_l0 80', 'bias_hh_l0 80',
      'weight_ih_l0_reverse 80x10', 'weight_hh_l0_reverse 80x20', 'bias_ih_l0_reverse 80', 'bias_hh_l0_reverse 80',
      'weight_ih_l1 80x40', 'weight_hh_l1 80x20', 'bias_ih_l1 80', 'bias_hh_l1 80',
      'weight_ih_l1_reverse 80x40', 'weight_hh_l1_reverse 80x20', 'bias_ih_l1_reverse 80', 'bias_hh_l1_reverse 80',
    ]);
    expect(new GRU(5, 7).namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0 21x5', 'weight_hh_l0 21x7', 'bias_ih_l0 21', 'bias_hh_l0 21',
    ]);
    expect(new RNN(5, 7, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(new LSTMCell(5, 7).namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'weight_ih 28x5', 'weight_hh 28x7', 'bias_ih 28', 'bias_hh 28',
    ]);
    // Same number of parameters as torch: 4·(20·10 + 20·20 + 2·20) for LSTM(10, 20).
    expect(new LSTM(10, 20).numParameters()).toBe(4 * (20 * 10 + 20 * 20 + 2 * 20));
  });
  it('start U(−1/√H, 1/√H), reproducibly', () => {
    const rnn = new GRU(30, 64, { generator: new Generator(3) });
    const bound = 1 / Math.sqrt(64);
    const w = rnn.parameters().flatMap((p) => p.toFlatArray());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    const variance = w.reduce((s, x) => s + x * x, 0) / w.length;
    expect(variance).toBeGreaterThan(0.95 * bound * bound / 3);
    expect(variance).toBeLessThan(1.05 * bound * bound / 3);
    manualSeed(7);
    const a = new LSTM(3, 4);
    manualSeed(7);
    const b = new LSTM(3, 4);
    expect(a.getParameter('weight_hh_l0')).toBeAllClose(b.getParameter('weight_hh_l0'));
  });
  it('print like PyTorch', () => {
    expect(String(new LSTM(28, 128, { batchFirst: true }))).toBe('LSTM(28, 128, batch_first=True)');
    expect(String(new GRU(10, 20, { numLayers: 2, dropout: 0.5, bidirectional: true })))
      .toBe('GRU(10, 20, num_layers=2, dropout=0.5, bidirectional=True)');
    expect(String(new RNN(3, 4, { nonlinearity: 'relu', bias: false }))).toBe('RNN(3, 4, bias=False, nonlinearity=relu)');
    expect(String(new LSTMCell(3, 4))).toBe('LSTMCell(3, 4)');
    expect(String(new RNNCell(3, 4, { nonlinearity: 'relu' }))).toBe('RNNCell(3, 4, nonlinearity=relu)');
  });
  it('survive stateDict round trips and toDType', () => {
    const a = new LSTM(3, 4, { numLayers: 2 }), b = new LSTM(3, 4, { numLayers: 2 });
    b.loadStateDict(a.stateDict());
    const x = randn([5, 2, 3]);
    expect(b.forward(x)[0]).toBeAllClose(a.forward(x)[0]);
    a.double();
    expect(a.forward(x.double())[0].dtype).toBe('float64');
  });
});

describe('semantics', () => {
  it('passing the final state on continues the sequence', () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, batchFirst: true });
    const x = randn([2, 8, 3], { generator: new Generator(1) });
    const [full] = lstm.forward(x);
    const [first, state] = lstm.forward(x.narrow(1, 0, 3));
    const [second] = lstm.forward(x.narrow(1, 3, 5), state);
    expect(first).toBeAllClose(full.narrow(1, 0, 3), { atol: 1e-6 });
    expect(second).toBeAllClose(full.narrow(1, 3, 5), { atol: 1e-6 });
  });
  it('batchFirst is the time-major layout transposed; the states stay [L·D, B, H]', () => {
    const a = new GRU(3, 4, { batchFirst: true }), b = new GRU(3, 4);
    b.loadStateDict(a.stateDict());
    const x = randn([2, 6, 3], { generator: new Generator(2) });
    const [outA, hA] = a.forward(x);
    const [outB, hB] = b.forward(x.transpose(0, 1));
    expect(outA).toBeAllClose(outB.transpose(0, 1), { atol: 1e-6 });
    expect(hA).toBeAllClose(hB, { atol: 1e-6 });
  });
  it('the reverse direction reads the sequence from the end', () => {
    const bi = new RNN(3, 4, { bidirectional: true }), fwd = new RNN(3, 4);
    fwd.getParameter('weight_ih_l0').data.set(bi.getParameter('weight_ih_l0_reverse').values());
    fwd.getParameter('weight_hh_l0').data.set(bi.getParameter('weight_hh_l0_reverse').values());
    fwd.getParameter('bias_ih_l0').data.set(bi.getParameter('bias_ih_l0_reverse').values());
    fwd.getParameter('bias_hh_l0').data.set(bi.getParameter('bias_hh_l0_reverse').values());
    const x = randn([5, 2, 3], { generator: new Generator(3) });
    const reversed = x.indexSelect(0, [4, 3, 2, 1, 0]);
    const [outBi, hBi] = bi.forward(x);
    const [outRev, hRev] = fwd.forward(reversed);
    expect(outBi.narrow(2, 4, 4)).toBeAllClose(outRev.indexSelect(0, [4, 3, 2, 1, 0]), { atol: 1e-6 });
    expect(hBi.select(0, 1)).toBeAllClose(hRev.select(0, 0), { atol: 1e-6 });
  });
  it('a layer equals its cell stepped by hand', () => {
    const layer = new LSTM(3, 4), cell = new LSTMCell(3, 4);
    for (const n of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) cell.getParameter(n).data.set(layer.getParameter(`${n}_l0`).values());
    const x = randn([6, 2, 3], { generator: new Generator(4) });
    let state: [Tensor, Tensor] = [zeros([2, 4]), zeros([2, 4])];
    const hs: Tensor[] = [];
    for (let t = 0; t < 6; t++) {
      state = cell.forward(x.select(0, t), state);
      hs.push(state[0]);
    }
    const [out, [hN, cN]] = layer.forward(x);
    hs.forEach((h, t) => expect(out.select(0, t)).toBeAllClose(h, { atol: 1e-6 }));
    expect(hN.select(0, 0)).toBeAllClose(state[0], { atol: 1e-6 });
    expect(cN.select(0, 0)).toBeAllClose(state[1], { atol: 1e-6 });
  });
  it('applies dropout between layers only in training mode', () => {
    const rnn = new RNN(3, 8, { numLayers: 2, dropout: 0.5, generator: new Generator(5) });
    const x = randn([4, 2, 3], { generator: new Generator(6) });
    const [a] = rnn.forward(x);
    const [b] = rnn.forward(x);
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(1e-3);
    rnn.eval();
    const [c] = rnn.forward(x);
    const [d] = rnn.forward(x);
    expect(c).toBeAllClose(d);
    // In eval mode a 2-layer RNN with dropout is the same network as without it.
    const plain = new RNN(3, 8, { numLayers: 2 });
    plain.loadStateDict(rnn.stateDict());
    expect(plain.forward(x)[0]).toBeAllClose(c);
  });
  it('unroll returns every layer and direction\'s h_t', () => {
    const gru = new GRU(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    const x = randn([2, 5, 3], { generator: new Generator(7) });
    const { output, hN, cN, hiddens } = gru.unroll(x);
    expect(cN).toBeNull();
    expect(hiddens).toHaveLength(4);
    expect(hiddens.every((hs) => hs.length === 5 && hs.every((h) => h.shape.join() === '2,4'))).toBe(true);
    // top layer: forward direction's h_t and reverse direction's h_t side by side
    const fwd = hiddens[2][2].toArray() as number[][], bwd = hiddens[3][2].toArray() as number[][];
    expect(output.select(1, 2)).toBeAllClose(fwd.map((row, b) => [...row, ...bwd[b]]));
    expect(hN.select(0, 2)).toBeAllClose(hiddens[2][4]);
    expect(hN.select(0, 3)).toBeAllClose(hiddens[3][0]);
  });
  it('backpropagates through a 1,000-step unroll without overflowing the stack', () => {
    const rnn = new RNN(2, 3);
    const x = randn([1000, 1, 2], { generator: new Generator(8) });
    const [out] = rnn.forward(x);
    out.select(0, 999).sum().backward();
    const g = rnn.getParameter('weight_hh_l0').grad!;
    expect(g.shape).toEqual([3, 3]);
    expect(g.toFlatArray().every(Number.isFinite)).toBe(true);
  });
});

describe('gradient checks (float64)', () => {
  const check = (name: string, m: Module, run: (x: Tensor, ...state: Tensor[]) => Tensor, x: Tensor, state: Tensor[] = []) => {
    m.double();
    const params = m.parameters();
    gradcheck(name, (xx, ...rest) => run(xx, ...rest.slice(0, state.length)), [x, ...state, ...params]);
  };
  const x3 = () => leaf([3, 2, 3], 11, 0.8);
  const h = (n: number, seed: number) => leaf([n, 2, 2], seed, 0.5);

  it('RNN (tanh, relu), with h0', () => {
    const a = new RNN(3, 2, { generator: new Generator(1) });
    check('RNN tanh', a, (x, h0) => { const [o, hN] = a.forward(x, h0); return o.sum().add(hN.mul(2).sum()).reshape([1]).add(o.mul(o)); }, x3(), [h(1, 12)]);
    const b = new RNN(3, 2, { nonlinearity: 'relu', generator: new Generator(2) });
    check('RNN relu', b, (x) => b.forward(x)[0], x3());
  });
  it('LSTM, with (h0, c0)', () => {
    const m = new LSTM(3, 2, { generator: new Generator(3) });
    check('LSTM', m, (x, h0, c0) => { const [o, [hN, cN]] = m.forward(x, [h0, c0]); return o.sum().add(hN.sum()).add(cN.mul(3).sum()).reshape([1]).add(o); }, x3(), [h(1, 13), h(1, 14)]);
  });
  it('GRU, with h0', () => {
    const m = new GRU(3, 2, { generator: new Generator(4) });
    check('GRU', m, (x, h0) => { const [o, hN] = m.forward(x, h0); return o.add(hN.sum()); }, x3(), [h(1, 15)]);
  });
  it('2-layer bidirectional RNN, LSTM and GRU (batch-first)', () => {
    for (const [name, m] of [
      ['RNN 2-layer bidirectional', new RNN(3, 2, { numLayers: 2, bidirectional: true, batchFirst: true, generator: new Generator(5) })],
      ['LSTM 2-layer bidirectional', new LSTM(3, 2, { numLayers: 2, bidirectional: true, batchFirst: true, generator: new Generator(6) })],
      ['GRU 2-layer bidirectional', new GRU(3, 2, { numLayers: 2, bidirectional: true, batchFirst: true, generator: new Generator(7) })],
    ] as const) {
      check(name, m, (x) => {
        const [o, hN] = (m as RNN).forward(x);
        const hLast = Array.isArray(hN) ? (hN as Tensor[])[1] : hN;
        return o.sum().add(hLast.sum()).reshape([1]).add(o);
      }, leaf([2, 3, 3], 16, 0.8));
    }
  });
  it('RNNCell, LSTMCell, GRUCell', () => {
    const x = () => leaf([2, 3], 17, 0.8), s = (seed: number) => leaf([2, 2], seed, 0.5);
    const rnn = new RNNCell(3, 2, { generator: new Generator(8) });
    check('RNNCell', rnn, (xx, hh) => rnn.forward(xx, hh), x(), [s(18)]);
    const lstm = new LSTMCell(3, 2, { generator: new Generator(9) });
    check('LSTMCell', lstm, (xx, hh, cc) => { const [h1, c1] = lstm.forward(xx, [hh, cc]); return h1.add(c1.mul(2)); }, x(), [s(19), s(20)]);
    const gru = new GRUCell(3, 2, { generator: new Generator(10) });
    check('GRUCell', gru, (xx, hh) => gru.forward(xx, hh), x(), [s(21)]);
  });
});

describe('bad input', () => {
  it('names the layer and both shapes', () => {
    const lstm = new LSTM(28, 128, { batchFirst: true });
    expect(() => lstm.forward(zeros([64, 28, 30]))).toThrow(ShapeError);
    expect(() => lstm.forward(zeros([64, 28, 30]))).toThrow('LSTM: expected input with 28 features (last axis), got shape [64, 28, 30]');
    expect(() => lstm.forward(zeros([64, 30]))).toThrow('LSTM: expected input with 28 features (last axis), got shape [64, 30]');
    expect(() => lstm.forward(zeros([2, 64, 28, 28]))).toThrow('LSTM: expected input of shape [B, T, 28] (or [T, 28] unbatched), got shape [2, 64, 28, 28]');
    const gru = new GRU(28, 128, { batchFirst: true });
    expect(() => gru.forward(zeros([64, 28, 28]), zeros([1, 32, 128]))).toThrow('GRU: expected h0 of shape [1, 64, 128], got [1, 32, 128]');
    expect(() => lstm.forward(zeros([64, 28, 28]), [zeros([1, 64, 128]), zeros([64, 128])])).toThrow('LSTM: expected c0 of shape [1, 64, 128], got [64, 128]');
    expect(() => new RNN(3, 4, { numLayers: 2, bidirectional: true }).forward(zeros([5, 2, 3]), zeros([2, 2, 4])))
      .toThrow('RNN: expected h0 of shape [4, 2, 4], got [2, 2, 4]');
    expect(() => new RNN(3, 4).forward(zeros([0, 2, 3]))).toThrow('RNN: expected a sequence of at least one step, got shape [0, 2, 3]');
    expect(() => new GRUCell(3, 4).forward(zeros([2, 5]))).toThrow('GRUCell: expected input of shape [B, 3] or [3], got shape [2, 5]');
    expect(() => new LSTMCell(3, 4).forward(zeros([2, 3]), [zeros([2, 4]), zeros([3, 4])])).toThrow('LSTMCell: expected c of shape [2, 4], got [3, 4]');
  });
  it('names the layer by its path inside a model', () => {
    class Encoder extends Module {
      encoder = new LSTM(28, 16, { batchFirst: true });
      forward(x: Tensor): Tensor {
        return this.encoder.forward(x)[0];
      }
    }
    expect(() => new Encoder().forward(zeros([4, 28, 30]))).toThrow('LSTM(encoder): expected input with 28 features (last axis), got shape [4, 28, 30]');
    expect(() => new Sequential(new Encoder()).forward(zeros([4, 28, 30]))).toThrow('LSTM(0.encoder): expected input with 28 features');
  });
  it('rejects bad settings', () => {
    expect(() => new RNN(3, 0)).toThrow(ArgumentError);
    expect(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow("RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'");
    expect(() => new LSTM(3, 4, { dropout: 1.5 })).toThrow('LSTM: dropout must be in [0, 1], got 1.5');
    expect(() => new GRU(3, 4, { numLayers: 0 })).toThrow('GRU: numLayers must be an integer ≥ 1, got 0');
  });
});

describe('chronoInit_', () => {
  it('sets b_f = log U(1, T − 1) and b_i = −b_f in every layer and direction, zeroing those rows of bias_hh', () => {
    const lstm = new LSTM(3, 8, { numLayers: 2, bidirectional: true });
    chronoInit_(lstm, 50, new Generator(1));
    for (const s of ['_l0', '_l0_reverse', '_l1', '_l1_reverse']) {
      const bih = lstm.getParameter(`bias_ih${s}`).toFlatArray(), bhh = lstm.getParameter(`bias_hh${s}`).toFlatArray();
      const bi = bih.slice(0, 8), bf = bih.slice(8, 16);
      expect(bf.every((v) => v >= 0 && v <= Math.log(49))).toBe(true);
      expect(Math.max(...bf)).toBeGreaterThan(2);
      expect(bi).toBeAllClose(bf.map((v) => -v));
      expect(bhh.slice(0, 16)).toEqual(new Array(16).fill(0));
    }
    const cell = new LSTMCell(3, 4);
    chronoInit_(cell, 10, new Generator(2));
    expect(cell.bias_ih!.toFlatArray().slice(4, 8).every((v) => v >= 0 && v <= Math.log(9))).toBe(true);
    expect(() => chronoInit_(new GRU(3, 4) as unknown as LSTM, 10)).toThrow('chronoInit_: needs an LSTM or an LSTMCell');
    expect(() => chronoInit_(new LSTM(3, 4, { bias: false }), 10)).toThrow('chronoInit_: LSTM has no biases (bias: false)');
  });
});

describe('Embedding', () => {
  it('looks up rows and sends gradients only to the rows used (repeats add up)', () => {
    const emb = new Embedding(5, 3, { generator: new Generator(1) });
    const ids = tensor([[4, 1], [1, 1]], { dtype: 'int32' });
    const out = emb.forward(ids);
    expect(out.shape).toEqual([2, 2, 3]);
    expect(out.select(0, 0).select(0, 0)).toBeAllClose(emb.weight.select(0, 4));
    out.sum().backward();
    expect(emb.weight.grad!.sum(1).toFlatArray()).toEqual([0, 9, 0, 0, 3]);
    expect(String(emb)).toBe('Embedding(5, 3)');
    expect(() => emb.forward(tensor([0, 5], { dtype: 'int32' }))).toThrow('Embedding: index 5 at position 1 is outside [0, 5) (ids of shape [2])');
  });
  it('passes a gradient check', () => {
    const emb = new Embedding(4, 2, { dtype: 'float64', generator: new Generator(2) });
    gradcheck('Embedding', () => emb.forward(tensor([3, 0, 3], { dtype: 'int32' })), [emb.weight]);
  });
});
