# PyTorch CPU rate of the studio's reference model (assets/examples/keras-reference.graph.json):
# conv 3->32 3x3 same, relu, maxpool 2; conv 32->64 3x3 same, relu, maxpool 2; flatten; a Dense 128
# relu -> 10 softmax head (cross-entropy) and a Dense 256 relu -> 4 sigmoid head (binary
# cross-entropy), Adam, batch 32, on 64x64x3 synthetic data. `npm run bench` runs it beside the
# studio's own rate. Usage: python3 torch-reference.py THREADS [BATCH] -> one JSON line.
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 32
torch.set_num_threads(threads)
torch.manual_seed(1)


class Reference(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.class_hidden = nn.Linear(16 * 16 * 64, 128)
        self.class_out = nn.Linear(128, 10)
        self.box_hidden = nn.Linear(16 * 16 * 64, 256)
        self.box_out = nn.Linear(256, 4)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2).flatten(1)
        return (
            self.class_out(F.relu(self.class_hidden(h))),
            torch.sigmoid(self.box_out(F.relu(self.box_hidden(h)))),
        )


model = Reference()
optimizer = torch.optim.Adam(model.parameters())
steps = 8
n = steps * batch
images = torch.rand(n, 3, 64, 64)
classes = torch.randint(0, 10, (n,))
boxes = torch.rand(n, 4)


def epoch():
    for i in range(0, n, batch):
        optimizer.zero_grad()
        logits, box = model(images[i : i + batch])
        loss = F.cross_entropy(logits, classes[i : i + batch]) + F.binary_cross_entropy(
            box, boxes[i : i + batch]
        )
        loss.backward()
        optimizer.step()


epoch()  # warm-up
rates = []
for _ in range(2):
    start = time.perf_counter()
    epoch()
    rates.append(n / (time.perf_counter() - start))
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rates": rates}))
