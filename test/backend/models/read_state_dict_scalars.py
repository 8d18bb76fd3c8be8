# Read diam_mean, diam_labels and nchan of a torch.save(state_dict) zip with the Python standard
# library + numpy (no torch import, which takes seconds): an independent reader to compare ours with.
# usage: python3 read_state_dict_scalars.py FILE  ->  [diam_mean, diam_labels, nchan]
import zipfile, pickle, json, sys
import numpy as np
path = sys.argv[1]
z = zipfile.ZipFile(path)
pkl = [n for n in z.namelist() if n.endswith('data.pkl')][0]
prefix = pkl[:-len('data.pkl')]
class U(pickle.Unpickler):
    def find_class(self, mod, name):
        if mod == 'torch._utils' and name == '_rebuild_tensor_v2':
            return lambda storage, offset, size, stride, *a: (storage, offset, tuple(size))
        if mod == 'torch._utils' and name == '_rebuild_parameter':
            return lambda data, *a: data
        if mod == 'torch':
            return name
        return super().find_class(mod, name)
    def persistent_load(self, pid):
        return (pid[1], pid[2])
sd = U(z.open(pkl)).load()
def scalar(k):
    (stype, key), off, size = sd[k]
    return float(np.frombuffer(z.read(prefix + 'data/' + key), dtype=np.float32)[off])
print(json.dumps([scalar('diam_mean'), scalar('diam_labels'), sd['downsample.down.res_down_0.conv.conv_0.2.weight'][2][1]]))
