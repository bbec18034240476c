"""Research backends: files built here in the real formats (rosinality .pt, NVlabs snapshot
pickle, FLAME pickle with chumpy objects, DECA/MICA codes), loaded, evaluated and refused."""

from __future__ import annotations

import argparse
import io
import os
import pickle
import subprocess
import sys
import types

import numpy as np
import pytest
import torch

from faceeditor.backends import ModelFileError, UnsafePickleError, open_model
from faceeditor.backends.albedogan import AlbedoGanBackend
from faceeditor.backends.embedded import EmbeddedBackend
from faceeditor.backends.flame import JOINT_NAMES, load_flame, read_codes
from faceeditor.backends.flame_backend import FlameBackend
from faceeditor.backends.images import BackendImages
from faceeditor.backends.stylegan2 import Generator, generator_from_state
from faceeditor.backends.unpickler import safe_load
from faceeditor.model.mesh import PART_NAMES

SIZE, STYLE_DIM = 64, 32
CHANNELS = {4: 32, 8: 32, 16: 16, 32: 16, 64: 8}


# -- fake modules so that test objects pickle under the real module paths ----------------------

def _fake_module(monkeypatch, dotted: str, **attributes) -> types.ModuleType:
    module = types.ModuleType(dotted)
    for name, value in attributes.items():
        value.__module__ = dotted
        value.__qualname__ = name
        setattr(module, name, value)
    parent = dotted.split(".")[0]
    if parent != dotted and parent not in sys.modules:
        monkeypatch.setitem(sys.modules, parent, types.ModuleType(parent))
    monkeypatch.setitem(sys.modules, dotted, module)
    return module


class Ch:
    """Pickles like chumpy's ``Ch``: ``__dict__`` minus ``_parents`` and ``_cache``."""

    def __init__(self, x):
        self.x = np.asarray(x)
        self._dirty_vars = set()
        self._itr = None
        self._depends_on_deps = {}
        self._parents = {}
        self._cache = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        del state["_parents"], state["_cache"]
        return state


class csc_matrix:  # noqa: N801 - scipy's name
    """Pickles like scipy's (old) csc_matrix: its ``__dict__``."""

    def __init__(self, dense: np.ndarray):
        rows, cols = np.nonzero(dense.T)  # column-major order
        self.data = dense.T[rows, cols]
        self.indices = cols.astype(np.int32)
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=dense.shape[1]))
                                      ]).astype(np.int32)
        self._shape = dense.shape
        self.maxprint = 50


# -- a tiny FLAME ------------------------------------------------------------------------------

def _sphere(n_lat: int = 8, n_lon: int = 12):
    """Vertices (V, 3), faces (F, 3), per-vertex UVs (V, 2) of a UV sphere, radius 0.1 m."""
    vertices, uvs = [[0.0, 0.1, 0.0]], [[0.5, 1.0]]
    for i in range(1, n_lat + 1):
        theta = np.pi * i / (n_lat + 1)
        for j in range(n_lon):
            phi = 2 * np.pi * j / n_lon
            vertices.append([0.1 * np.sin(theta) * np.sin(phi), 0.1 * np.cos(theta),
                             0.1 * np.sin(theta) * np.cos(phi)])
            uvs.append([j / n_lon, 1 - i / (n_lat + 1)])
    vertices.append([0.0, -0.1, 0.0])
    uvs.append([0.5, 0.0])
    ring = lambda i, j: 1 + (i - 1) * n_lon + j % n_lon  # noqa: E731
    faces = [[0, ring(1, j), ring(1, j + 1)] for j in range(n_lon)]
    for i in range(1, n_lat):
        for j in range(n_lon):
            a, b, c, d = ring(i, j), ring(i + 1, j), ring(i + 1, j + 1), ring(i, j + 1)
            faces += [[a, b, c], [a, c, d]]
    bottom = len(vertices) - 1
    faces += [[bottom, ring(n_lat, j + 1), ring(n_lat, j)] for j in range(n_lon)]
    return np.array(vertices), np.array(faces, np.int64), np.array(uvs)


def _flame_arrays(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    v, f, _ = _sphere()
    n = len(v)
    joint = np.zeros(n, np.int64)  # global
    joint[v[:, 1] < -0.05] = 1  # neck
    joint[(v[:, 2] > 0.03) & (v[:, 1] < 0.0) & (v[:, 1] >= -0.05)] = 2  # jaw
    joint[(v[:, 2] > 0.0) & (v[:, 1] > 0.02) & (v[:, 0] > 0.001)] = 3  # left eye (+x)
    joint[(v[:, 2] > 0.0) & (v[:, 1] > 0.02) & (v[:, 0] < -0.001)] = 4  # right eye
    weights = np.eye(5)[joint]
    regressor = np.zeros((5, n))
    for j in range(5):
        members = np.flatnonzero(joint == j)
        regressor[j, members] = 1.0 / len(members)
    return {
        "v_template": v, "f": f.astype(np.uint32), "weights": weights,
        "shapedirs": rng.normal(0, 0.002, (n, 3, 400)),
        "posedirs": rng.normal(0, 0.0005, (n, 3, 36)),
        "J_regressor": regressor,
        "kintree_table": np.array([[4294967295, 0, 1, 1, 1], [0, 1, 2, 3, 4]], np.int64),
        "bs_style": "lbs", "bs_type": "lrotmin",
    }


@pytest.fixture
def flame_dir(tmp_path, monkeypatch):
    """A folder with generic_model.pkl (chumpy shapedirs, sparse J_regressor),
    head_template.obj and FLAME_texture.npz."""
    _fake_module(monkeypatch, "chumpy.ch", Ch=Ch)
    _fake_module(monkeypatch, "scipy.sparse.csc", csc_matrix=csc_matrix)
    arrays = _flame_arrays()
    data = dict(arrays, shapedirs=Ch(arrays["shapedirs"]),
                J_regressor=csc_matrix(arrays["J_regressor"]))
    (tmp_path / "generic_model.pkl").write_bytes(pickle.dumps(data, protocol=2))
    v, f, uv = _sphere()
    lines = [f"v {x} {y} {z}" for x, y, z in v] + [f"vt {a} {b}" for a, b in uv]
    lines += [f"f {a + 1}/{a + 1} {b + 1}/{b + 1} {c + 1}/{c + 1}" for a, b, c in f]
    (tmp_path / "head_template.obj").write_text("\n".join(lines) + "\n")
    mean = np.zeros((16, 16, 3))
    mean[..., 2] = 255.0  # BGR: pure red
    tex_dir = np.zeros((16, 16, 3, 5))
    tex_dir[..., 1, 0] = 255.0  # component 1 adds green
    np.savez(tmp_path / "FLAME_texture.npz", mean=mean, tex_dir=tex_dir)
    return tmp_path


def test_flame_pickle_with_chumpy_objects_loads_without_chumpy(flame_dir):
    arrays = _flame_arrays()
    flame = load_flame(flame_dir / "generic_model.pkl", flame_dir / "head_template.obj")
    n = len(arrays["v_template"])
    assert (flame.num_shape, flame.num_expression) == (300, 100)
    assert flame.shapedirs.shape == (n * 3, 300) and flame.posedirs.shape == (36, n * 3)
    np.testing.assert_allclose(flame.j_regressor, arrays["J_regressor"], atol=1e-7)
    np.testing.assert_allclose(flame.exprdirs[:, 0],
                               arrays["shapedirs"][:, :, 300].reshape(-1), rtol=1e-6)
    assert list(flame.parents) == [-1, 0, 1, 1, 1]
    assert flame.uvs.shape == (n, 2) and flame.face_uvs.shape == flame.faces.shape
    assert "chumpy" not in sys.modules or isinstance(sys.modules["chumpy"], types.ModuleType)


def test_flame_backend_shape_expression_pose(flame_dir):
    backend = open_model(flame_dir / "generic_model.pkl")
    assert isinstance(backend, FlameBackend)
    arrays = _flame_arrays()
    rest = backend.evaluate().mesh
    assert rest.vertices.shape == arrays["v_template"].shape
    assert abs(rest.vertices.max(0) + rest.vertices.min(0)).max() < 1e-6  # centred
    # identity component 1 moves every vertex by its blendshape
    moved = backend.evaluate({"shape_000": 2.0}).mesh.vertices
    np.testing.assert_allclose(moved - rest.vertices, 2.0 * arrays["shapedirs"][:, :, 0],
                               atol=1e-5)
    # opening the jaw moves the jaw vertices down, the skull and eyes stay
    jaw = np.flatnonzero(arrays["weights"][:, 2] == 1)
    skull = np.flatnonzero(arrays["weights"][:, 0] == 1)
    opened = backend.evaluate({"jaw_rx": 0.5}).mesh.vertices
    posed_only = opened - rest.vertices
    assert np.abs(posed_only[jaw]).max() > 0.005
    assert np.abs(posed_only[skull]).max() < 0.003  # pose correctives only
    # parts: eye faces are "eyes"
    eyes = rest.part_faces("eyes")
    assert len(eyes) > 0 and len(eyes) < len(rest.faces)
    assert PART_NAMES[rest.face_parts[0]] == "skin"
    np.testing.assert_allclose(np.linalg.norm(rest.normals, axis=1), 1.0, atol=1e-4)


def test_flame_texture_space_is_rgb_and_previews_smaller(flame_dir):
    backend = open_model(flame_dir)
    out = backend.evaluate({"tex_000": 0.5})
    assert out.albedo.shape == (16, 16, 3) and out.albedo.dtype == np.uint8
    assert tuple(out.albedo[3, 3]) == (255, 128, 0)  # BGR file -> RGB; component adds green
    assert backend.evaluate(albedo_size=8).albedo.shape == (8, 8, 3)


def test_flame_without_texture_space_has_no_albedo(flame_dir):
    (flame_dir / "FLAME_texture.npz").unlink()
    backend = open_model(flame_dir / "generic_model.pkl")
    assert backend.evaluate().albedo is None
    assert not any(p.kind == "albedo" for p in backend.spec)
    (flame_dir / "head_template.obj").unlink()
    mesh = open_model(flame_dir / "generic_model.pkl").evaluate().mesh
    assert mesh.face_uvs.shape == mesh.faces.shape and mesh.uvs.shape == (1, 2)


def test_device_is_cuda_when_available(monkeypatch):
    from faceeditor.backends.base import select_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert select_device().type == "cpu"
    assert select_device("cpu").type == "cpu"


def test_deca_and_mica_codes_import(flame_dir, tmp_path):
    deca = tmp_path / "deca"
    deca.mkdir()
    shape = np.linspace(-1, 1, 100).astype(np.float32)
    np.save(deca / "shape.npy", shape[None])
    np.save(deca / "exp.npy", np.full(50, 0.5, np.float32))
    np.save(deca / "pose.npy", np.array([0.1, 0.0, 0.0, 0.3, 0.0, 0.0], np.float32))
    backend = open_model(flame_dir / "generic_model.pkl")
    params = backend.params_from_codes(deca)
    assert params["shape_099"] == pytest.approx(1.0) and params["shape_150"] == 0.0
    assert params["exp_049"] == 0.5 and params["exp_050"] == 0.0
    assert params["global_rx"] == pytest.approx(0.1) and params["jaw_rx"] == pytest.approx(0.3)
    assert params["neck_rx"] == 0.0
    mica = tmp_path / "mica"
    mica.mkdir()
    np.save(mica / "identity.npy", np.full((1, 300), 0.25, np.float32))
    codes = read_codes(mica / "identity.npy")
    assert codes["shape"].shape == (300,)
    params = backend.params_from_codes(mica)
    assert params["shape_299"] == 0.25 and "exp_000" not in params
    np.save(mica / "pose.npy", np.zeros(7))
    with pytest.raises(ValueError, match="6 .* or 15 values"):
        read_codes(mica / "pose.npy")


# -- StyleGAN2 ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_generator() -> Generator:
    torch.manual_seed(3)
    generator = Generator(SIZE, STYLE_DIM, 2, channels=CHANNELS).eval().requires_grad_(False)
    for name, param in generator.named_parameters():
        if name.endswith("noise.weight"):
            param.data.fill_(0.1)  # trained generators use their noise; make it matter
    return generator


def _save_rosinality(path, generator: Generator, key: str = "g_ema", latent_avg=True):
    state = generator.state_dict()
    data = {key: state, "args": argparse.Namespace(size=SIZE, latent=STYLE_DIM, n_mlp=2)}
    if latent_avg:
        data["latent_avg"] = generator.mean_latent(512, seed=5)
    torch.save(data, path)


@pytest.fixture
def albedogan_dir(flame_dir, tiny_generator):
    _save_rosinality(flame_dir / "albedo_gan.pt", tiny_generator)
    return flame_dir


def test_rosinality_names_and_strict_round_trip(tiny_generator, tmp_path):
    state = tiny_generator.state_dict()
    # rosinality's layout: mapping style.1..n_mlp, const input, convs/to_rgbs, noise buffers
    assert {"style.1.weight", "input.input", "conv1.conv.weight", "to_rgb1.bias",
            "convs.0.conv.blur.kernel", "to_rgbs.3.upsample.kernel", "noises.noise_8"} <= set(state)
    assert state["conv1.conv.weight"].shape == (1, 32, 32, 3, 3)
    assert len(state) == 87
    rebuilt = generator_from_state(state)
    w = torch.randn(2, STYLE_DIM)
    torch.testing.assert_close(rebuilt.synthesis(w), tiny_generator.synthesis(w))
    bad = dict(state)
    bad["convs.0.conv.weight"] = bad["convs.0.conv.weight"][:, :, :8]
    with pytest.raises(ValueError, match="do not match"):
        generator_from_state(bad)
    with torch.device("meta"):  # the real configuration's layout, without allocating it
        default = Generator(1024, 512, 8, channel_multiplier=2)
    assert default.n_latent == 18 and default.num_layers == 17
    assert default.to_rgbs[-1].conv.weight.shape == (1, 3, 32, 1, 1)


def test_albedogan_from_rosinality_pt(albedogan_dir, tiny_generator):
    backend = open_model(albedogan_dir / "albedo_gan.pt")
    assert isinstance(backend, AlbedoGanBackend)
    assert backend.device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    params = backend.sample(11)
    out = backend.evaluate(params)
    assert out.albedo.shape == (SIZE, SIZE, 3) and out.albedo.dtype == np.uint8
    assert out.albedo.std() > 5  # a picture, not a flat colour
    assert out.mesh.vertices.shape[0] == len(_flame_arrays()["v_template"])
    # the albedo is the generator's image of the sampled W
    w = torch.as_tensor(backend.w_from_params(params), dtype=torch.float32)[None]
    expected = ((tiny_generator.synthesis(w)[0].permute(1, 2, 0) + 1) * 127.5).clamp(0, 255)
    assert np.abs(out.albedo.astype(float) - expected.numpy()).max() <= 1.0
    # determinism per seed
    again = open_model(albedogan_dir / "albedo_gan.pt")
    assert again.sample(11) == params
    np.testing.assert_array_equal(again.evaluate(params).albedo, out.albedo)
    assert backend.sample(12) != params
    # the preview is the generator's RGB sum at the 16 px level (the finer levels skipped)
    preview = backend.evaluate(params, albedo_size=16).albedo
    assert preview.shape == (16, 16, 3)
    expected = ((tiny_generator.synthesis(w, max_size=16)[0].permute(1, 2, 0) + 1) * 127.5)
    assert np.abs(preview - expected.clamp(0, 255).numpy()).max() <= 1.0
    assert backend.evaluate(params, albedo_size=12).albedo.shape == (12, 12, 3)


def test_truncation_pulls_w_to_latent_avg(albedogan_dir, tiny_generator):
    backend = open_model(albedogan_dir / "albedo_gan.pt")
    latent_avg = tiny_generator.mean_latent(512, seed=5).double().numpy()
    average = backend.sample(4, truncation=0.0)
    np.testing.assert_allclose(backend.w_from_params(average), latent_avg, atol=1e-5)
    assert all(average[f"shape_{i:03d}"] == 0.0 for i in range(300))
    full, half = backend.sample(4), backend.sample(4, truncation=0.5)
    distance = lambda p: np.linalg.norm(backend.w_from_params(p) - latent_avg)  # noqa: E731
    assert distance(half) == pytest.approx(0.5 * distance(full), rel=1e-4)
    # the W coordinates are a complete basis: W survives the trip through the parameters
    w = backend.w_from_params(full)
    np.testing.assert_allclose(backend.w_from_params(backend.with_w(average, w)), w, atol=1e-6)
    latent = backend.encode(full)
    assert backend.decode(latent) == pytest.approx(full)


def test_generator_only_g_and_no_latent_avg(flame_dir, tiny_generator):
    _save_rosinality(flame_dir / "g_only.pt", tiny_generator, key="g", latent_avg=False)
    backend = open_model(flame_dir / "g_only.pt")
    mean = backend.w_from_params(backend.sample(0, truncation=0.0))
    assert np.linalg.norm(mean - tiny_generator.mean_latent(4096).double().numpy()) < 1e-4


def test_albedogan_release_layout_dataparallel_g_and_ffhq_mapping(flame_dir, tiny_generator):
    """AlbedoGAN's demo loads ``albedogan.pt``'s "g" into a DataParallel model (keys prefixed
    "module.") and feeds it the W of the FFHQ generator ``stylegan2_ffhq.pt``."""
    torch.save({"g": {f"module.{k}": v for k, v in tiny_generator.state_dict().items()}},
               flame_dir / "albedogan.pt")
    torch.manual_seed(8)
    ffhq = Generator(SIZE, STYLE_DIM, 2, channels=CHANNELS).eval().requires_grad_(False)
    ffhq_avg = ffhq.mean_latent(256, seed=1)
    torch.save({"g_ema": ffhq.state_dict(), "latent_avg": ffhq_avg}, flame_dir / "stylegan2_ffhq.pt")
    backend = open_model(flame_dir)  # the folder: FLAME + the one albedo generator
    assert isinstance(backend, AlbedoGanBackend)
    z = torch.randn(1, STYLE_DIM, generator=torch.Generator().manual_seed(21))
    expected_w = ffhq_avg + 0.7 * (ffhq.mapping(z)[0] - ffhq_avg)
    np.testing.assert_allclose(backend.w_from_params(backend.sample(21, truncation=0.7)),
                               expected_w.double().numpy(), atol=1e-5)
    # the albedo still comes from the albedo generator's synthesis network
    w = torch.randn(1, STYLE_DIM)
    torch.testing.assert_close(backend.generator.synthesis(w), tiny_generator.synthesis(w))


def test_generator_without_flame_gives_one_line_error(tmp_path, tiny_generator):
    _save_rosinality(tmp_path / "albedo.pt", tiny_generator)
    with pytest.raises(ModelFileError, match="needs the FLAME model") as error:
        open_model(tmp_path / "albedo.pt")
    assert "\n" not in str(error.value)


# -- NVlabs stylegan2-ada-pytorch snapshot -----------------------------------------------------

SIDE_EFFECT = "faceeditor_pwned_marker"


def _malicious_source(marker) -> str:
    return f"open({str(marker)!r}, 'w').write('module source was executed')\n"


def _nvlabs_snapshot(generator: Generator, marker, monkeypatch) -> bytes:
    """A pickle laid out as NVlabs writes ``network-snapshot-*.pkl``: a dict whose networks are
    persistent objects, ``_reconstruct_persistent_obj(meta)`` with the defining module's source
    and the module's ``__dict__`` as state."""

    def _reconstruct_persistent_obj(meta):  # never called: our loader has its own
        raise AssertionError("the real reconstruct function must not be reached")

    class EasyDict(dict):
        pass

    _fake_module(monkeypatch, "torch_utils.persistence",
                 _reconstruct_persistent_obj=_reconstruct_persistent_obj)
    _fake_module(monkeypatch, "dnnlib.util", EasyDict=EasyDict)
    source = _malicious_source(marker)

    class Persistent(torch.nn.Module):
        def __init__(self, class_name, **attributes):
            super().__init__()
            self.class_name = class_name
            self.__dict__.update(attributes)

        def __reduce__(self):  # torch_utils.persistence.persistent_class.Decorator.__reduce__
            fields = list(super().__reduce__())
            fields += [None] * max(3 - len(fields), 0)
            state = dict(fields[2])
            state.pop("class_name")
            meta = dict(type="class", version=6, module_src=source, class_name=self.class_name,
                        state=state)
            return (_reconstruct_persistent_obj, (meta,), None)

    s = {k: v.clone() for k, v in generator.state_dict().items()}
    param = torch.nn.Parameter

    def affine(prefix):
        fc = Persistent("FullyConnectedLayer", activation="linear", lr_multiplier=1)
        fc.weight = param(s[f"{prefix}.conv.modulation.weight"])
        fc.bias = param(s[f"{prefix}.conv.modulation.bias"])
        return fc

    def layer(prefix, noise_index):
        out = Persistent("SynthesisLayer", conv_clamp=256, up=1, activation="lrelu")
        out.affine = affine(prefix)
        out.weight = param(s[f"{prefix}.conv.weight"][0])
        out.bias = param(s[f"{prefix}.activate.bias"])
        out.noise_strength = param(s[f"{prefix}.noise.weight"][0])
        out.register_buffer("noise_const", s[f"noises.noise_{noise_index}"][0, 0])
        out.register_buffer("resample_filter", torch.ones(4, 4) / 16)
        return out

    def torgb(prefix):
        out = Persistent("ToRGBLayer", conv_clamp=256)
        out.affine = affine(prefix)
        out.weight = param(s[f"{prefix}.conv.weight"][0])
        out.bias = param(s[f"{prefix}.bias"].reshape(3))
        return out

    mapping = Persistent("MappingNetwork", z_dim=STYLE_DIM, w_dim=STYLE_DIM, num_ws=10)
    for i in range(2):
        fc = Persistent("FullyConnectedLayer", activation="lrelu", lr_multiplier=0.01)
        fc.weight = param(s[f"style.{i + 1}.weight"])
        fc.bias = param(s[f"style.{i + 1}.bias"])
        setattr(mapping, f"fc{i}", fc)
    mapping.register_buffer("w_avg", generator.mean_latent(256, seed=9))
    synthesis = Persistent("SynthesisNetwork", img_resolution=SIZE)
    b4 = Persistent("SynthesisBlock", resolution=4, architecture="skip")
    b4.const = param(s["input.input"][0])
    b4.conv1, b4.torgb = layer("conv1", 0), torgb("to_rgb1")
    b4.register_buffer("resample_filter", torch.ones(4, 4) / 16)
    synthesis.b4 = b4
    for n, res in enumerate((8, 16, 32, 64)):
        block = Persistent("SynthesisBlock", resolution=res, architecture="skip")
        block.conv0 = layer(f"convs.{2 * n}", 2 * n + 1)
        block.conv1 = layer(f"convs.{2 * n + 1}", 2 * n + 2)
        block.torgb = torgb(f"to_rgbs.{n}")
        block.register_buffer("resample_filter", torch.ones(4, 4) / 16)
        setattr(synthesis, f"b{res}", block)
    g_ema = Persistent("Generator", z_dim=STYLE_DIM, c_dim=0, w_dim=STYLE_DIM,
                       img_resolution=SIZE, img_channels=3,
                       _init_kwargs=EasyDict(mapping_kwargs=EasyDict(num_layers=2)))
    g_ema.mapping, g_ema.synthesis = mapping, synthesis
    snapshot = dict(G=g_ema, D=None, G_ema=g_ema, augment_pipe=None,
                    training_set_kwargs=EasyDict(resolution=SIZE, xflip=True))
    return pickle.dumps(snapshot)


def test_nvlabs_snapshot_loads_without_running_its_source(flame_dir, tiny_generator,
                                                           monkeypatch):
    marker = flame_dir / SIDE_EFFECT
    data = _nvlabs_snapshot(tiny_generator, marker, monkeypatch)
    assert b"torch_utils.persistence" in data and b"_reconstruct_persistent_obj" in data
    (flame_dir / "network-snapshot-000100.pkl").write_bytes(data)
    backend = open_model(flame_dir / "network-snapshot-000100.pkl")
    assert not marker.exists()
    assert isinstance(backend, AlbedoGanBackend)
    w = torch.randn(3, STYLE_DIM, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(backend.generator.synthesis(w), tiny_generator.synthesis(w),
                               atol=1e-5, rtol=1e-5)
    latent_avg = tiny_generator.mean_latent(256, seed=9).double().numpy()
    np.testing.assert_allclose(backend.w_from_params(backend.sample(2, truncation=0.0)),
                               latent_avg, atol=1e-5)
    assert backend.generator.conv1.activate.clamp == 256.0


# -- malicious files ---------------------------------------------------------------------------

class _Evil:
    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "subprocess.Popen"])
def test_malicious_pickle_is_refused_without_running(tmp_path, kind):
    marker = tmp_path / SIDE_EFFECT
    payload = {
        "os.system": _Evil(os.system, f"touch {marker}"),
        "builtins.eval": _Evil(eval, f"open({str(marker)!r}, 'w')"),
        "subprocess.Popen": _Evil(subprocess.Popen, ["touch", str(marker)]),
    }[kind]
    path = tmp_path / "generic_model.pkl"
    path.write_bytes(pickle.dumps({"v_template": payload}, protocol=2))
    with pytest.raises(UnsafePickleError) as error:
        safe_load(path)
    assert error.value.name in ("system", "eval", "Popen")
    with pytest.raises(ModelFileError, match="refused to load generic_model.pkl") as error:
        open_model(path)
    assert "\n" not in str(error.value)
    assert not marker.exists()


def test_malicious_torch_checkpoint_is_refused(tmp_path):
    marker = tmp_path / SIDE_EFFECT
    buffer = io.BytesIO()
    torch.save({"g_ema": _Evil(os.system, f"touch {marker}")}, buffer)
    (tmp_path / "albedo.pt").write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match="weights only"):
        open_model(tmp_path / "albedo.pt")
    assert not marker.exists()


@pytest.mark.parametrize("name, content, message", [
    ("missing.pkl", None, "does not exist"),
    ("notes.txt", b"hello", "unsupported model file"),
    ("generic_model.pkl", b"\x80\x04garbage", "not a readable pickle"),
    ("list.pkl", pickle.dumps([1, 2, 3]), "neither a FLAME model"),
    ("broken.pt", b"PK\x03\x04 not really a zip", "cannot read broken.pt"),
    ("exp.npy", b"", "companion file"),
])
def test_wrong_or_corrupt_files_give_one_line_errors(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as error:
        open_model(tmp_path / name)
    assert "\n" not in str(error.value)


# -- the default model behind the same interface -----------------------------------------------

def test_embedded_backend_implements_the_interface():
    backend = EmbeddedBackend()
    params = backend.sample(5)
    assert backend.sample(5) == params and backend.sample(6) != params
    out = backend.evaluate(params, albedo_size=64)
    assert out.mesh.vertices.shape[1] == 3
    if out.albedo is not None:  # faceeditor.albedo present
        assert out.albedo.shape == (64, 64, 3)
    np.testing.assert_allclose(backend.vector(backend.decode(backend.encode(params))),
                               backend.vector(params), atol=1e-5)
    average = backend.sample(5, truncation=0.0)
    assert backend.vector(average) == pytest.approx(backend.spec.defaults, abs=1e-6)
    assert backend.is_geometry("nose_hump") and backend.is_geometry("jawOpen")
    assert not backend.is_geometry("skin_melanin")


def test_interface_for_the_gui(albedogan_dir):
    """Slider subsets, group labels, geometry vs albedo kinds, and the JSON of a parameter."""
    backend = open_model(albedogan_dir / "albedo_gan.pt")
    sliders = [p.name for p in backend.slider_params()]
    assert "shape_019" in sliders and "shape_020" not in sliders and "w_015" in sliders
    assert "w_016" not in sliders and "jaw_rx" in sliders
    assert backend.group_labels == {"flame_shape": "Shape", "flame_expression": "Expression",
                                    "flame_pose": "Pose", "albedo_w": "Albedo (W)"}
    assert backend.is_geometry("jaw_rx") and not backend.is_geometry("w_000")
    assert backend.spec["w_000"].as_json()["group_label"] == "Albedo (W)"
    params = backend.sample(3)
    mesh = backend.evaluate_mesh(params)
    np.testing.assert_array_equal(mesh.vertices, backend.evaluate(params).mesh.vertices)
    moved = backend.evaluate_mesh(dict(params, w_000=params["w_000"] + 1.0))
    np.testing.assert_array_equal(moved.vertices, mesh.vertices)  # albedo edits keep the mesh
    assert backend.evaluate_albedo(params, albedo_size=32).shape == (32, 32, 3)
    assert "albedo_pc1" in backend.latent_directions()
    assert len(JOINT_NAMES) * 3 == len(backend.spec.of_kind("pose"))


def test_rendered_albedo_follows_the_uv_layout(flame_dir, gl_context):
    """The texture's top rows colour the top of the head (UV v = 1 is the image's top row)."""
    mean = np.zeros((16, 16, 3))
    mean[:8, :, 2] = 255.0  # BGR file: top half red
    mean[8:, :, 0] = 255.0  # bottom half blue
    np.savez(flame_dir / "FLAME_texture.npz", mean=mean, tex_dir=np.zeros((16, 16, 3, 2)))
    backend = open_model(flame_dir)
    with BackendImages(backend, 96, ctx=gl_context) as render:
        image = render([backend.default_params()])[0]
    column = image[:, 48]
    lit = np.flatnonzero(np.abs(column - image[0, 0]).sum(1) > 0.05)  # not background
    top, bottom = column[lit[2]], column[lit[-3]]
    assert top[0] > 2 * top[2], f"top of the head should be red, got {top}"
    assert bottom[2] > 2 * bottom[0], f"bottom of the head should be blue, got {bottom}"


def test_w_edit_changes_the_picture_not_the_mesh(albedogan_dir, gl_context):
    backend = open_model(albedogan_dir / "albedo_gan.pt")
    params = backend.sample(1)
    with BackendImages(backend, 64, ctx=gl_context, albedo_size=32) as render:
        before, after = render([params, dict(params, w_000=params["w_000"] + 3.0)])
    assert np.abs(before - after).max() > 0.1
    silhouette = lambda image: np.abs(image - image[0, 0]).sum(-1) > 0.05  # noqa: E731
    assert (silhouette(before) == silhouette(after)).mean() > 0.98
