/// The part of an exported JAX module that is the same for every patch: the API (`params`,
/// `frozen`, `render`, `loss`, `fit`), target loading, Adam with `dmm fit`'s hyper-parameters
/// (Sources/Fitting/Adam.swift), sharding over devices, `jax.distributed` start-up and the
/// command line. The patch-specific part (`tick`, the weights, the sources) comes before it.
enum JAXRuntime {
    /// The module docstring's API section (README: "Export to JAX").
    static let apiDoc = #"""
    Needs only jax and numpy. API:
      params()                  the trainable weights (what `dmm fit` trains), {"row <- column": float32}
      frozen()                  the weights dmm fit keeps fixed (`!` weights, untouched port defaults)
      tick(w, y, now, lanes)    one two-stroke tick (read it: it is the patch)
      render(params, frames=None)  (frames, HEIGHT, WIDTH, 3) in 0..1 before 8-bit quantisation
                                (lax.scan over ticks -WARM_UP ... frames-1; frame f is tick f)
      to_bytes(picture)         render()'s output as dmm render's 8-bit pixels
      load_target(spec, frames=None)  PNG frames (a folder or a glob) as (frames, H, W, 3) in -1..1
      loss(params, target)      dmm fit's loss: mean squared error of the clamped picture, -1..1 units
      fit(target, steps, lr, batch_frames=None, start=None)  jit-compiled Adam as dmm fit
    Command line:
      python THIS.py fit --target DIR --steps N --lr R [--batch-frames K] [--frames F] -o weights.json
      python THIS.py loss --target DIR [--weights weights.json]
      python THIS.py render -o DIR [--frames N] [--weights weights.json]
    Devices: fit shards every frame's pixels over all devices (jax.devices(); on CPU
    XLA_FLAGS=--xla_force_host_platform_device_count=N simulates N) and starts jax.distributed
    when JAX_COORDINATOR_ADDRESS (with JAX_NUM_PROCESSES, JAX_PROCESS_ID) is set, or under
    SLURM / Open MPI with more than one task. Bring weights back with
      dmm import PATCH --weights weights.json -o fitted.dmm

    """#

    static let text = #"""
    # ---- The runtime: the same in every exported module --------------------------------------------

    _F32 = np.float32
    # Adam as dmm fit runs it (Sources/Fitting/Adam.swift): betas, epsilon, float32 arithmetic.
    B1, B2, EPS = _F32(0.9), _F32(0.999), _F32(1e-8)


    def params():
        """The trainable weights (what `dmm fit` trains), name -> float32 scalar."""
        return {k: jnp.float32(v) for k, v in _TRAINABLE.items()}


    def frozen():
        """The weights `dmm fit` keeps fixed, name -> float32 scalar."""
        return {k: jnp.float32(v) for k, v in _FROZEN.items()}


    def _coordinates(lanes):
        """coord.x, coord.y as Kinds/Coordinates.swift (float32): pixel centres, the shorter side
        spans -1..1, y grows upwards; lanes past the picture are 0."""
        s = _F32(2) / _F32(min(WIDTH, HEIGHT))
        p = np.arange(WIDTH * HEIGHT)
        col, row = (p % WIDTH).astype(_F32), (p // WIDTH).astype(_F32)
        x = (col + _F32(0.5) - _F32(WIDTH) / _F32(2)) * s
        y = (_F32(HEIGHT) / _F32(2) - row - _F32(0.5)) * s
        pad = lanes - WIDTH * HEIGHT
        return np.pad(x, (0, pad)), np.pad(y, (0, pad))


    def _field(v, lanes):
        return jnp.broadcast_to(jnp.asarray(v, jnp.float32), (lanes,))


    def _scalar(v):
        return jnp.asarray(v, jnp.float32)


    def _check(p):
        if set(p) != set(_TRAINABLE):
            missing, unknown = sorted(set(_TRAINABLE) - set(p)), sorted(set(p) - set(_TRAINABLE))
            raise KeyError(f"params must have exactly the keys of params(): missing {missing[:4]}, unknown {unknown[:4]}")


    def _scan(w, consts, series, state, lanes):
        def step(carry, now):
            y = dict(consts)
            y.update(carry)
            n = tick(w, y, now, lanes)
            return n, jnp.stack([n[c] for c in DISPLAY])
        return jax.lax.scan(step, state, series)


    def _pictures(p, consts, series, lanes):
        """The raw picture of every frame, (frames, 3, lanes): ticks -WARM_UP ... frames-1 from zero
        outputs, frame f = tick f."""
        w = frozen()
        w.update(p)
        _, pics = _scan(w, consts, series, _initial_state(lanes), lanes)
        return pics[WARM_UP:]


    def _squared_error(pics, target, mask):
        d = jnp.clip(pics, -1, 1) - target          # the quantiser's clamp (zero gradient outside)
        return jnp.sum(jnp.sum(d * d * mask, axis=-1))


    def _loss_planar(p, consts, series, target, mask, lanes):
        return _squared_error(_pictures(p, consts, series, lanes), target, mask) / (target.shape[0] * 3 * WIDTH * HEIGHT)


    _pictures_jit = jax.jit(_pictures, static_argnames="lanes")
    _loss_jit = jax.jit(_loss_planar, static_argnames="lanes")


    def render(params, frames=None):
        """The picture of frames 0 ... frames-1 (default FRAMES) as (frames, HEIGHT, WIDTH, 3) in 0..1,
        before 8-bit quantisation: (clamp(v, -1, 1) + 1) / 2 of the display's r, g, b."""
        _check(params)
        frames = FRAMES if frames is None else int(frames)
        if frames < 1:
            raise ValueError("frames must be at least 1")
        lanes = WIDTH * HEIGHT
        pics = _pictures_jit(params, _constant_outputs(lanes), _per_tick(frames), lanes=lanes)
        pics = (jnp.clip(pics, -1, 1) + 1) / 2
        return jnp.transpose(pics.reshape(frames, 3, HEIGHT, WIDTH), (0, 2, 3, 1))


    def to_bytes(picture):
        """render()'s 0..1 as 8-bit pixels, rounded to nearest (Kernels/Quantizer.swift)."""
        return np.rint(np.clip(np.asarray(picture, np.float32) * _F32(255), 0, 255)).astype(np.uint8)


    def _planar(target):
        target = np.asarray(target, _F32)
        if target.ndim != 4 or target.shape[1:] != (HEIGHT, WIDTH, 3):
            raise ValueError(f"target must be (frames, {HEIGHT}, {WIDTH}, 3), not {target.shape}")
        return target.reshape(target.shape[0], HEIGHT * WIDTH, 3).transpose(0, 2, 1)


    def loss(params, target):
        """dmm fit's loss: the mean squared error, in -1..1 units, of the picture clamped to -1..1
        against `target` (frames, HEIGHT, WIDTH, 3) in -1..1 (load_target: byte / 127.5 - 1)."""
        _check(params)
        planar = _planar(target)
        lanes = WIDTH * HEIGHT
        return _loss_jit(params, _constant_outputs(lanes), _per_tick(planar.shape[0]), planar,
                         np.ones(lanes, _F32), lanes=lanes)


    # ---- Targets ------------------------------------------------------------------------------------

    def _natural_key(s):
        return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", s)]


    def target_paths(spec):
        """The PNG files of a --target: every *.png in a folder, or a glob's matches, in natural order."""
        pattern = os.path.join(spec, "*.png") if os.path.isdir(spec) else spec
        import glob
        found = sorted(glob.glob(pattern), key=_natural_key)
        if not found:
            raise ValueError(f"{spec}: no PNG frames found")
        return found


    def _read_png(path):
        """An 8-bit grey/RGB/RGBA PNG as (H, W, 3) uint8 (alpha dropped), with the standard library."""
        with open(path, "rb") as f:
            data = f.read()
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError(f"{path}: not a PNG file")
        pos, idat, head = 8, [], None
        while pos + 8 <= len(data):
            size, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + size]
            pos += 12 + size
            if kind == b"IHDR":
                head = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat.append(body)
            elif kind == b"IEND":
                break
        if head is None:
            raise ValueError(f"{path}: no PNG header")
        w, h, depth, ctype, _, _, interlace = head
        ch = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
        if depth != 8 or ch is None or interlace:
            raise ValueError(f"{path}: only 8-bit, non-interlaced grey or RGB(A) PNGs are read")
        stride = w * ch
        raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8)
        if raw.size < h * (stride + 1):
            raise ValueError(f"{path}: truncated image data")
        raw = raw[:h * (stride + 1)].reshape(h, stride + 1)
        img = np.zeros((h, stride), np.uint8)
        prev = np.zeros(stride, np.int64)
        for r in range(h):
            ft, line = int(raw[r, 0]), raw[r, 1:].astype(np.int64)
            if ft == 0:
                cur = line
            elif ft == 1:
                cur = np.cumsum(line.reshape(w, ch), axis=0).reshape(-1)
            elif ft == 2:
                cur = line + prev
            elif ft in (3, 4):
                cur = np.zeros(stride, np.int64)
                for i in range(stride):
                    a = int(cur[i - ch]) if i >= ch else 0
                    b = int(prev[i])
                    c = int(prev[i - ch]) if i >= ch else 0
                    if ft == 3:
                        pred = (a + b) // 2
                    else:
                        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur[i] = (int(line[i]) + pred) & 255
            else:
                raise ValueError(f"{path}: bad PNG filter {ft} in row {r}")
            prev = cur & 255
            img[r] = prev
        img = img.reshape(h, w, ch)
        return np.repeat(img[..., :1], 3, axis=2) if ch <= 2 else img[..., :3]


    def load_target(spec, frames=None):
        """Target frames as dmm fit reads them: (frames, HEIGHT, WIDTH, 3) float32, byte / 127.5 - 1."""
        paths = target_paths(spec)
        if frames is not None:
            paths = paths[:frames]
        images = []
        for p in paths:
            img = _read_png(p)
            if img.shape[:2] != (HEIGHT, WIDTH):
                raise ValueError(f"{p}: target frames are {img.shape[1]}x{img.shape[0]} but the patch draws {WIDTH}x{HEIGHT}")
            images.append(img)
        return np.stack(images).astype(_F32) / _F32(127.5) - _F32(1)


    def _write_png(path, img):
        h, w, _ = img.shape
        raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

        def chunk(kind, body):
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        _atomic_write(path, b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


    def _atomic_write(path, data):
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)


    # ---- Fitting ------------------------------------------------------------------------------------

    def _maybe_distributed():
        """jax.distributed for multi-host runs: explicit JAX_* variables, or SLURM / Open MPI."""
        env = os.environ
        if env.get("JAX_COORDINATOR_ADDRESS"):
            jax.distributed.initialize(coordinator_address=env["JAX_COORDINATOR_ADDRESS"],
                                       num_processes=int(env.get("JAX_NUM_PROCESSES", "1")),
                                       process_id=int(env.get("JAX_PROCESS_ID", "0")))
        elif int(env.get("SLURM_NTASKS", "1")) > 1 or int(env.get("OMPI_COMM_WORLD_SIZE", "1")) > 1:
            jax.distributed.initialize()


    def _adam_corrections(step):
        """Adam.swift's bias corrections at update `step`: 1 - Float(pow(Double(beta), Double(step)))."""
        return _F32(1) - _F32(float(B1) ** step), _F32(1) - _F32(float(B2) ** step)


    def _fetch(x):
        return np.asarray(x.addressable_data(0)) if hasattr(x, "addressable_data") else np.asarray(x)


    def _put(array, sharding):
        array = np.asarray(array)
        return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])


    def fit(target, steps=1000, lr=0.01, batch_frames=None, start=None, progress=None):
        """Adam on the exact gradient of loss(), as `dmm fit` (lr, betas 0.9/0.999, eps 1e-8, the same
        bias corrections; the loss reported for step k is at the weights before update k).

        The pixels of every frame are sharded over all devices (ticks are sequential, pixels are not);
        a spatial kind (feedback) reads across shards and XLA moves what it needs. With
        batch_frames = K (< frames) each step backpropagates through one window of K frames, the
        windows taking turns; the state at a window's start is run forward at the current weights
        without gradient (truncated backpropagation through time: bounded memory for long clips,
        not dmm fit's full-batch gradient). Returns a dict: params, losses, loss (the final full
        loss), ms_per_step, compile_s, devices."""
        target = np.asarray(target, _F32)
        planar = _planar(target)
        frames = planar.shape[0]
        devices = jax.devices()
        mesh = jax.sharding.Mesh(np.array(devices), ("pixels",))
        spec, named = jax.sharding.PartitionSpec, jax.sharding.NamedSharding
        rep, by_pixel = named(mesh, spec()), named(mesh, spec("pixels"))
        n = WIDTH * HEIGHT
        lanes = -(-n // len(devices)) * len(devices)
        K = frames if not batch_frames or batch_frames >= frames else int(batch_frames)
        total = -(-frames // K) * K                 # whole windows (= frames without --batch-frames)
        padded = np.zeros((total, 3, lanes), _F32)
        padded[:frames, :, :n] = planar
        mask = np.zeros(lanes, _F32)
        mask[:n] = 1
        consts = {k: _put(v, by_pixel if np.ndim(v) == 1 else rep) for k, v in _constant_outputs(lanes).items()}
        tgt = _put(padded, named(mesh, spec(None, None, "pixels")))
        msk = _put(mask, by_pixel)
        series = {k: _put(v, rep) for k, v in _per_tick(total).items()}
        start = dict(_TRAINABLE) if start is None else start
        _check(start)
        w = {k: _put(_F32(v), rep) for k, v in start.items()}

        def full_loss(p, consts, series, tgt, msk):
            s = {k: v[:WARM_UP + frames] for k, v in series.items()}
            return _loss_planar(p, consts, s, tgt[:frames], msk, lanes)

        def window_loss(p, consts, series, tgt, msk, first):
            fixed = frozen()
            fixed.update(jax.lax.stop_gradient(p))

            def body(i, carry):
                y = dict(consts)
                y.update(carry)
                return tick(fixed, y, {k: v[i] for k, v in series.items()}, lanes)
            state = jax.lax.fori_loop(0, WARM_UP + first, body, _initial_state(lanes))
            wt = frozen()
            wt.update(p)
            window = {k: jax.lax.dynamic_slice_in_dim(v, WARM_UP + first, K) for k, v in series.items()}
            _, pics = _scan(wt, consts, window, state, lanes)
            inside = (first + jnp.arange(K) < frames).astype(jnp.float32)
            d = jnp.clip(pics, -1, 1) - jax.lax.dynamic_slice_in_dim(tgt, first, K)
            per_frame = jnp.sum(jnp.sum(d * d * msk, axis=-1), axis=-1) * inside
            return jnp.sum(per_frame) / (jnp.minimum(K, frames - first) * 3 * n)

        def adam(p, m, v, c1, c2, rate, consts, series, tgt, msk, first):
            if K == frames:
                value, g = jax.value_and_grad(full_loss)(p, consts, series, tgt, msk)
            else:
                value, g = jax.value_and_grad(window_loss)(p, consts, series, tgt, msk, first)
            m = {k: B1 * m[k] + (1 - B1) * g[k] for k in p}
            v = {k: B2 * v[k] + (1 - B2) * g[k] * g[k] for k in p}
            p = {k: p[k] - rate * (m[k] / c1) / (jnp.sqrt(v[k] / c2) + EPS) for k in p}
            return p, m, v, value

        step_jit = jax.jit(adam)
        loss_jit = jax.jit(full_loss)
        m = {k: _put(_F32(0), rep) for k in w}
        v = {k: _put(_F32(0), rep) for k in w}
        rate = _F32(lr)
        windows = list(range(0, frames, K))
        t0 = time.perf_counter()
        c1, c2 = _adam_corrections(1)
        compiled = step_jit.lower(w, m, v, c1, c2, rate, consts, series, tgt, msk, np.int32(0)).compile()
        compile_s = time.perf_counter() - t0
        losses, times = [], []
        for s in range(1, steps + 1):
            c1, c2 = _adam_corrections(s)
            t1 = time.perf_counter()
            w, m, v, value = compiled(w, m, v, c1, c2, rate, consts, series, tgt, msk, np.int32(windows[(s - 1) % len(windows)]))
            losses.append(float(_fetch(value)))
            times.append(time.perf_counter() - t1)
            if progress:
                progress(s, losses[-1])
        final = float(_fetch(loss_jit(w, consts, series, tgt, msk)))
        steady = times[5:] if len(times) > 10 else times
        return {"params": {k: _F32(_fetch(x)) for k, x in w.items()}, "losses": losses, "loss": final,
                "ms_per_step": 1e3 * float(np.median(steady)) if steady else 0.0, "compile_s": compile_s,
                "devices": len(devices), "platform": devices[0].platform, "frames": frames, "window": K}


    # ---- Command line -------------------------------------------------------------------------------

    def _read_weights(path):
        with open(path) as f:
            doc = json.load(f)
        weights = doc.get("weights", doc) if isinstance(doc, dict) else None
        if not isinstance(weights, dict):
            raise ValueError(f"{path}: expected a JSON object of weights")
        _check(weights)
        return {k: _F32(v) for k, v in weights.items()}


    def _psnr(mse):
        return 10 * math.log10(4 / mse) if mse > 0 else float("inf")


    def _main(argv):
        ap = argparse.ArgumentParser(prog=os.path.basename(sys.argv[0]),
                                     description=f"{PATCH} exported from DMMSynth: fit, evaluate or render it with JAX.")
        sub = ap.add_subparsers(dest="command", required=True)
        f = sub.add_parser("fit", help="fit the trainable weights to target frames (Adam, as dmm fit)")
        f.add_argument("--target", required=True, help="a folder of PNG frames or a glob pattern")
        f.add_argument("--steps", type=int, default=1000)
        f.add_argument("--lr", type=float, default=0.01)
        f.add_argument("--batch-frames", type=int, help="backpropagate through windows of K frames (truncated BPTT)")
        f.add_argument("--frames", type=int, help="use only the first N target frames")
        f.add_argument("--start", help="weights.json to start from (default: the patch's weights)")
        f.add_argument("-o", "--output", required=True, help="weights file to write (JSON)")
        f.add_argument("-q", "--quiet", action="store_true")
        e = sub.add_parser("loss", help="print dmm fit's loss against target frames")
        e.add_argument("--target", required=True)
        e.add_argument("--frames", type=int)
        e.add_argument("--weights")
        r = sub.add_parser("render", help="write frames as 8-bit PNGs, as dmm render")
        r.add_argument("-o", "--output", required=True, help="folder for frame-00001.png ...")
        r.add_argument("--frames", type=int)
        r.add_argument("--weights")
        a = ap.parse_args(argv)
        for name in ("steps", "frames", "batch_frames"):
            value = getattr(a, name, None)
            low = 0 if name == "steps" else 1
            if value is not None and not low <= value <= 100_000_000:
                ap.error(f"--{name.replace('_', '-')} must be a whole number from {low} to 100000000, not {value}")
        if a.command == "fit" and not (math.isfinite(a.lr) and a.lr > 0):
            ap.error(f"--lr must be a finite number above 0, not {a.lr}")
        try:
            if a.command == "fit":
                _maybe_distributed()
                target = load_target(a.target, a.frames)
                start = _read_weights(a.start) if a.start else None
                every = max(1, a.steps // 20)

                def progress(s, value):
                    if not a.quiet and jax.process_index() == 0 and (s % every == 0 or s == a.steps):
                        print(f"fit {PATCH}: step {s}/{a.steps} loss {value:.6g} ({_psnr(value):.2f} dB)", file=sys.stderr, flush=True)
                res = fit(target, a.steps, a.lr, a.batch_frames, start, progress)
                if jax.process_index() == 0:
                    doc = {"format": "dmm-weights", "patch": PATCH, "steps": a.steps, "loss": res["loss"],
                           "losses": res["losses"], "weights": {k: float(v) for k, v in res["params"].items()}}
                    _atomic_write(a.output, (json.dumps(doc, indent=1) + "\n").encode())
                    marks = sorted({s for s in (1, 10, 50, 100, 200, 500, 1000, 2000, a.steps) if 1 <= s <= a.steps})
                    print(json.dumps({"steps": a.steps, "loss": res["loss"], "psnr": _psnr(res["loss"]),
                                      "ms_per_step": res["ms_per_step"], "compile_s": res["compile_s"],
                                      "devices": res["devices"], "platform": res["platform"], "window": res["window"],
                                      "losses_at": {str(s): res["losses"][s - 1] for s in marks}}), flush=True)
            elif a.command == "loss":
                p = _read_weights(a.weights) if a.weights else params()
                value = float(loss(p, load_target(a.target, a.frames)))
                print(json.dumps({"loss": value, "psnr": _psnr(value)}))
            else:
                p = _read_weights(a.weights) if a.weights else params()
                pictures = to_bytes(render(p, a.frames))
                os.makedirs(a.output, exist_ok=True)
                for i, img in enumerate(pictures):
                    _write_png(os.path.join(a.output, f"frame-{i + 1:05d}.png"), img)
        except (OSError, ValueError, KeyError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        return 0
    """#

    /// The module's last lines, after any embedded data (the command line may read it).
    static let main = #"""


    if __name__ == "__main__":
        sys.exit(_main(sys.argv[1:]))

    """#
}
