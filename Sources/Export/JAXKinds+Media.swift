import DMMCore

/// `image` and `video` in an exported module: their pixels embedded in the module as the
/// engine's fields at the patch's frame size, so no file path is needed at run time.
extension JAXKinds {
    /// The fields r, g, b of every frame of a media neuron, made by the engine's own
    /// `MediaFrames.fill` at the patch's `width` × `height`: shape (frames, 3, width·height).
    ///
    /// Stored as the bytes b they came from when every value is exactly b/127.5 − 1 (the
    /// picture or video at the patch's own size: one byte a value), otherwise (a picture
    /// resampled to the frame) as the float32 values themselves (four bytes a value; float16
    /// would halve that but move some pixels by a level). Exact either way. Nil when no file
    /// is attached (the patch loader attaches one to every media neuron it builds).
    static func mediaData(_ kind: any NeuronKind, _ t: Timing) -> JAXData? {
        guard let media = kind as? any MediaKind, let frames = media.frames else { return nil }
        let n = t.width * t.height
        var values = [Float](repeating: 0, count: frames.count * 3 * n)
        values.withUnsafeMutableBufferPointer { v in
            for f in 0..<frames.count {
                let base = v.baseAddress! + f * 3 * n
                let planes = [base, base + n, base + 2 * n]
                planes.withUnsafeBufferPointer { frames.fill($0, frame: f, start: 0, count: n, width: t.width, height: t.height) }
            }
        }
        let shape = [frames.count, 3, n]
        let scale: Float = 1 / 127.5
        var bytes = [UInt8](repeating: 0, count: values.count)
        var exact = true
        for (k, v) in values.enumerated() {
            let q = ((v + 1) * 127.5).rounded()
            let b: UInt8 = q >= 0 && q <= 255 ? UInt8(q) : 0     // NaN fails both tests
            bytes[k] = b
            if Float(b) * scale - 1 != v { exact = false; break }
        }
        if exact { return JAXData(dtype: "uint8", shape: shape, bytes: bytes) }
        var words = [UInt8]()
        words.reserveCapacity(values.count * 4)
        for v in values {
            let b = v.bitPattern
            for k in 0..<4 { words.append(UInt8(truncatingIfNeeded: b >> (8 * k))) }
        }
        return JAXData(dtype: "float32", shape: shape, bytes: words)
    }

    /// Decoding the embedded pixels, and the two media kinds' fields.
    static let mediaHelper = #"""
    def _unpack(dtype, shape, text):
        """Embedded data (see the end of the module): base64 of little-endian `dtype` values."""
        return np.frombuffer(base64.b64decode(text), np.dtype(dtype).newbyteorder("<")).reshape(shape)


    _BYTE = np.float32(1) / np.float32(127.5)


    def _media_fields(frames, xp):
        """Embedded pixels as the engine's fields (Kinds/Media/MediaFrames.swift, fill): a byte b
        is b/127.5 - 1; float32 values (a picture resampled to the frame) are the fields already."""
        if frames.dtype == np.uint8:
            return frames.astype(xp.float32) * _BYTE - np.float32(1)
        return frames.astype(xp.float32)


    def _image(data, lanes):
        """image (Kinds/Media/ImageInput.swift): the picture's r, g, b fields, (3, lanes), 0 past the frame."""
        f = _media_fields(data[0], np)
        return np.pad(f, ((0, 0), (0, lanes - f.shape[1])))


    def _video(data, tick, lanes):
        """video (Kinds/Media/VideoInput.swift): tick t emits frame t + 1 (one tick ahead, so the picture
        shows frame f at frame f), frame 0 during warm-up, the last frame past the end."""
        i = jnp.clip(jnp.asarray(tick).astype(jnp.int32) + 1, 0, data.shape[0] - 1)
        f = _media_fields(jnp.asarray(data)[i], jnp)
        f = jnp.pad(f, ((0, 0), (0, lanes - f.shape[1])))
        return f[0], f[1], f[2]
    """#
}
