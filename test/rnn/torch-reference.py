"""Reference values for test/rnn/recurrent.test.ts, from Debian's torch 1.13:

    /usr/bin/python3 test/rnn/torch-reference.py

Every parameter is set BY NAME to a formula of its name and flat index, so the
same formula in the test checks nnlab's parameter names, shapes and gate
layout against PyTorch's; inputs and states come from another formula.
Everything runs in float64; printed to 9 significant digits.
"""
import math
import torch

torch.set_default_dtype(torch.float64)


def name_seed(name):
    return sum((k + 1) * ord(c) for k, c in enumerate(name)) % 997


def fill(t, seed, scale=0.4, freq=0.7):
    flat = torch.tensor([scale * math.sin(freq * i + seed) for i in range(t.numel())])
    return flat.reshape(t.shape)


def set_params(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(fill(p, name_seed(name)))


def fmt(t):
    return '[' + ', '.join('%.9g' % v for v in t.detach().reshape(-1).tolist()) + ']'


def case(label, module, x, *state):
    set_params(module)
    out = module(x, *state) if state else module(x)
    print('//', label, module)
    if isinstance(out, tuple):
        y, h = out
        print('output:', fmt(y))
        if isinstance(h, tuple):
            print('hN:', fmt(h[0]))
            print('cN:', fmt(h[1]))
        else:
            print('hN:', fmt(h))
    else:
        print('out:', fmt(out))
    print()


B, T, I, H = 2, 5, 3, 4
x_tm = fill(torch.zeros(T, B, I), 0.5, 1.0, 0.3)      # time-major
x_bf = fill(torch.zeros(B, T, I), 0.5, 1.0, 0.3)      # batch-first
h0_1 = fill(torch.zeros(1, B, H), 2.0, 0.5, 0.9)
c0_1 = fill(torch.zeros(1, B, H), 3.0, 0.5, 0.9)
h0_4 = fill(torch.zeros(4, B, H), 2.0, 0.5, 0.9)
c0_4 = fill(torch.zeros(4, B, H), 3.0, 0.5, 0.9)
x_un = fill(torch.zeros(T, I), 0.5, 1.0, 0.3)          # unbatched

case('RNN tanh, time-major, h0 given', torch.nn.RNN(I, H), x_tm, h0_1)
case('RNN relu, 2 layers, batch-first', torch.nn.RNN(I, H, num_layers=2, nonlinearity='relu', batch_first=True), x_bf)
case('RNN tanh, bidirectional, no bias', torch.nn.RNN(I, H, bidirectional=True, bias=False), x_tm)
case('LSTM, time-major, (h0, c0) given', torch.nn.LSTM(I, H), x_tm, (h0_1, c0_1))
case('LSTM, 2 layers, bidirectional, batch-first, (h0, c0) given', torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True), x_bf, (h0_4, c0_4))
case('LSTM, unbatched input', torch.nn.LSTM(I, H), x_un)
case('GRU, time-major, h0 given', torch.nn.GRU(I, H), x_tm, h0_1)
case('GRU, 2 layers, bidirectional, batch-first', torch.nn.GRU(I, H, num_layers=2, bidirectional=True, batch_first=True), x_bf, h0_4)

x_c = fill(torch.zeros(B, I), 0.5, 1.0, 0.3)
h_c = fill(torch.zeros(B, H), 2.0, 0.5, 0.9)
c_c = fill(torch.zeros(B, H), 3.0, 0.5, 0.9)
case('RNNCell tanh', torch.nn.RNNCell(I, H), x_c, h_c)
case('LSTMCell', torch.nn.LSTMCell(I, H), x_c, (h_c, c_c))
case('GRUCell', torch.nn.GRUCell(I, H), x_c, h_c)
