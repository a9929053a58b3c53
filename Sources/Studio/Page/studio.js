// dmm studio: the page of `dmm live --serve`. Plain JS, no build step, no dependencies.
// Everything the page changes is a command line sent over the WebSocket ({id, cmd}) or patch
// text ({id, patch}); the session runs it through the same path as stdin and OSC.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get('token');
  const q = token ? '?token=' + encodeURIComponent(token) : '';

  // State shared with tests and the console (window.studio).
  const S = window.studio = {
    hello: null, matrix: null, tick: -1, lastFrameTick: -1, framesDrawn: 0, dropped: 0, frozen: false,
    level: { rms: 0, peak: 0, buffered: 0, underruns: 0 }, audioOn: false, audioBytes: 0,
    latency: { edit: [], server: [], frame: [], editTicks: [] }, replies: [], connected: false,
    send: (cmd) => command(cmd),
  };

  // ---------- WebSocket ----------
  let ws = null, nextId = 1;
  const waiting = new Map();   // id -> {t0, text, onReply}
  function connect() {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + q);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => { S.connected = true; setConn('connected', true); if (S.audioOn) ws.send(JSON.stringify({ audio: true })); };
    ws.onclose = () => { S.connected = false; setConn('disconnected — retrying', false); setTimeout(connect, 1000); };
    ws.onmessage = (e) => typeof e.data === 'string' ? onText(JSON.parse(e.data)) : onBinary(e.data);
  }
  function setConn(text, ok) { const c = $('conn'); c.textContent = text; c.className = ok ? 'good' : 'bad'; }
  function send(obj) {
    if (!ws || ws.readyState !== 1) { log('not connected', 'err'); return null; }
    const id = nextId++;
    obj.id = id;
    waiting.set(id, { t0: performance.now() });
    ws.send(JSON.stringify(obj));
    return id;
  }
  function command(line, quiet) {
    if (!quiet) log('> ' + line, 'me');
    return send({ cmd: line });
  }

  function onText(m) {
    switch (m.type) {
      case 'hello': S.hello = m; setUp(m); break;
      case 'patch': if (!$('patch').dataset.dirty) { $('patch').value = m.text; gutter(); } break;
      case 'matrix': S.matrix = m.matrix; drawMatrix(); updateSliders(); break;
      case 'status': S.tick = m.tick; $('tick').textContent = m.tick; $('clients').textContent = m.clients; break;
      case 'event': if (m.source !== 'api' || !S.quietEvents) log('@' + m.tick + ' ' + (m.source === 'stdin' ? '' : m.source + ': ') + m.text, 'ev'); break;
      case 'error': log('error: ' + m.text, 'err'); break;
      case 'warning': log('warning: ' + m.text, 'err'); break;
      case 'finished': log('the session stopped at tick ' + m.tick, 'err'); break;
      case 'reply': {
        const w = waiting.get(m.id);
        S.replies.push(m);
        if (S.replies.length > 200) S.replies.shift();
        if (w && w.onReply) w.onReply(m);
        if (m.text && !(w && w.silent && m.ok)) log(m.text, m.ok ? '' : 'err');
        if (!m.ok) waiting.delete(m.id);
        break;
      }
      case 'applied': {
        const w = waiting.get(m.id);
        if (w) {
          waiting.delete(m.id);
          push(S.latency.edit, performance.now() - w.t0);
          push(S.latency.editTicks, m.tick);
          push(S.latency.server, m.serverMs);
        }
        break;
      }
    }
  }
  function push(a, v) { a.push(v); if (a.length > 2000) a.shift(); }

  // ---------- Picture ----------
  const pic = $('picture'), pctx = pic.getContext('2d');
  let image = null, fpsCount = 0;
  function setUp(h) {
    $('path').textContent = h.path;
    document.title = 'dmm studio — ' + h.path;
    if (h.hasDisplay) {
      pic.width = h.width; pic.height = h.height;
      image = pctx.createImageData(h.width, h.height);
      image.data.fill(255);
      scalePicture();
    } else { pic.hidden = true; $('nopicture').hidden = false; }
    $('audioinfo').textContent = h.hasAudio ? h.sampleRate + ' Hz stereo' : '(no sound in this patch)';
    $('sound').disabled = !h.hasAudio;
  }
  function scalePicture() {
    if (!S.hello) return;
    const box = $('stage').clientWidth || 320;
    const k = Math.max(1, Math.floor(box / S.hello.width)) || 1;
    const fit = S.hello.width * k > box ? box / S.hello.width : k;
    pic.style.width = S.hello.width * fit + 'px';
    pic.style.height = S.hello.height * fit + 'px';
  }
  window.addEventListener('resize', scalePicture);

  function onBinary(buf) {
    const v = new DataView(buf);
    const kind = v.getUint8(0);
    if (kind === 1) {
      if (S.frozen || !image) return;
      const w = v.getUint16(4, true), h = v.getUint16(6, true), tick = v.getFloat64(8, true), wall = v.getFloat64(16, true);
      if (w !== pic.width || h !== pic.height) return;
      const rgb = new Uint8Array(buf, 24, w * h * 3), px = image.data;
      for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) { px[j] = rgb[i]; px[j + 1] = rgb[i + 1]; px[j + 2] = rgb[i + 2]; }
      pctx.putImageData(image, 0, 0);
      if (S.lastFrameTick >= 0 && tick > S.lastFrameTick + 1) S.dropped += tick - S.lastFrameTick - 1;
      S.lastFrameTick = tick; S.framesDrawn++; fpsCount++;
      push(S.latency.frame, performance.timeOrigin + performance.now() - wall);
    } else if (kind === 2) {
      S.audioBytes += buf.byteLength;
      if (player) {
        const samples = new Float32Array(buf.slice(24));
        player.port.postMessage(samples, [samples.buffer]);
      }
    }
  }
  setInterval(() => { $('fps').textContent = fpsCount; fpsCount = 0; $('dropped').textContent = S.dropped; }, 1000);
  $('freeze').onclick = () => { S.frozen = !S.frozen; $('freeze').textContent = S.frozen ? 'resume' : 'freeze'; };
  // The canvas's pixels as RGB (tests compare them with /frame.png?tick=N).
  S.canvasRGB = () => {
    const d = pctx.getImageData(0, 0, pic.width, pic.height).data, out = new Array(pic.width * pic.height * 3);
    for (let i = 0, j = 0; i < d.length; i += 4, j += 3) { out[j] = d[i]; out[j + 1] = d[i + 1]; out[j + 2] = d[i + 2]; }
    return out;
  };

  // ---------- Sound ----------
  let audio = null, player = null, analyser = null;
  $('sound').onclick = async () => {
    if (S.audioOn) {
      S.audioOn = false; ws && ws.send(JSON.stringify({ audio: false }));
      if (audio) await audio.suspend();
      $('sound').textContent = 'start sound';
      return;
    }
    if (!audio) {
      audio = new AudioContext({ sampleRate: S.hello.sampleRate, latencyHint: 'interactive' });
      await audio.audioWorklet.addModule('worklet.js');
      player = new AudioWorkletNode(audio, 'dmm-player', { numberOfInputs: 0, outputChannelCount: [2], processorOptions: { target: 0.06, max: 0.25 } });
      analyser = audio.createAnalyser();
      analyser.fftSize = 2048;
      player.connect(analyser); analyser.connect(audio.destination);
      player.port.onmessage = (e) => { S.level = e.data; };
    }
    await audio.resume();
    S.audioOn = true; ws && ws.send(JSON.stringify({ audio: true }));
    $('sound').textContent = 'stop sound';
  };
  const scope = $('scope'), sctx = scope.getContext('2d');
  function drawScope() {
    const lv = S.level, db = lv.rms > 0 ? 20 * Math.log10(lv.rms) : -Infinity;
    $('meterbar').style.width = Math.max(0, Math.min(100, (db + 60) / 60 * 100)) + '%';
    $('level').textContent = (isFinite(db) ? db.toFixed(1) : '−∞') + ' dB rms, peak ' + (lv.peak || 0).toFixed(2);
    $('buffered').textContent = S.audioOn ? 'buffer ' + Math.round((lv.buffered || 0) * 1000) + ' ms, ' + (lv.underruns || 0) + ' underruns' : '';
    const w = scope.width, h = scope.height;
    sctx.fillStyle = '#000'; sctx.fillRect(0, 0, w, h);
    if (analyser && S.audioOn) {
      sctx.strokeStyle = '#7fc47f'; sctx.beginPath();
      if ($('scopemode').value === 'scope') {
        const d = new Float32Array(analyser.fftSize); analyser.getFloatTimeDomainData(d);
        let start = 0; for (let i = 1; i < d.length / 2; i++) if (d[i - 1] < 0 && d[i] >= 0) { start = i; break; }
        for (let x = 0; x < w; x++) { const s = d[start + Math.floor(x * (d.length / 2) / w)] || 0; const y = h / 2 - s * h / 2; x ? sctx.lineTo(x, y) : sctx.moveTo(x, y); }
      } else {
        const d = new Float32Array(analyser.frequencyBinCount); analyser.getFloatFrequencyData(d);
        for (let x = 0; x < w; x++) {
          const f = Math.pow(d.length, x / w) - 1, v = d[Math.floor(f)] || -140;
          const y = h - (v + 120) / 100 * h; x ? sctx.lineTo(x, y) : sctx.moveTo(x, y);
        }
      }
      sctx.stroke();
    }
    requestAnimationFrame(drawScope);
  }
  requestAnimationFrame(drawScope);

  // ---------- Matrix ----------
  const mc = $('matrix'), mctx = mc.getContext('2d');
  let CELL = 14, LEFT = 90, TOP = 70;
  let selected = null;   // {row, col} names
  function weightOf(row, col) {
    const m = S.matrix; if (!m) return 0;
    const r = m.rows.indexOf(row), c = m.columns.indexOf(col);
    for (const e of m.entries) if (e[0] === r && e[1] === c) return e[2];
    return 0;
  }
  function colour(w) {
    const t = Math.tanh(Math.abs(w) / 2);
    if (w === 0) return '#161a20';
    return w > 0 ? `rgb(${Math.round(60 + 195 * t)},${Math.round(50 + 80 * t)},${Math.round(40 * (1 - t) + 30)})`
                 : `rgb(${Math.round(40 * (1 - t) + 30)},${Math.round(60 + 110 * t)},${Math.round(70 + 185 * t)})`;
  }
  function drawMatrix() {
    const m = S.matrix; if (!m) return;
    mctx.font = '10px monospace';
    const n = Math.max(m.columns.length, m.rows.length);
    CELL = Math.max(8, Math.min(22, Math.floor(((mc.parentElement.clientWidth || 400) - 100) / n)));
    LEFT = 8 + Math.max(30, ...m.rows.map((r) => mctx.measureText(r).width));
    TOP = 12 + 0.87 * Math.max(30, ...m.columns.map((c) => mctx.measureText(c).width));
    const W = LEFT + m.columns.length * CELL + 4, H = TOP + m.rows.length * CELL + 4;
    if (mc.width !== W || mc.height !== H) { mc.width = W; mc.height = H; }
    mctx.fillStyle = '#000'; mctx.fillRect(0, 0, W, H);
    mctx.font = '10px monospace'; mctx.fillStyle = '#7b8594'; mctx.textBaseline = 'middle';
    m.rows.forEach((r, i) => { mctx.textAlign = 'right'; mctx.fillText(r, LEFT - 4, TOP + i * CELL + CELL / 2); });
    m.columns.forEach((c, j) => {
      mctx.save(); mctx.translate(LEFT + j * CELL + CELL / 2, TOP - 4); mctx.rotate(-Math.PI / 3);
      mctx.textAlign = 'left'; mctx.fillText(c, 0, 0); mctx.restore();
    });
    for (let i = 0; i < m.rows.length; i++) for (let j = 0; j < m.columns.length; j++) {
      mctx.fillStyle = '#161a20'; mctx.fillRect(LEFT + j * CELL, TOP + i * CELL, CELL - 1, CELL - 1);
    }
    for (const [i, j, w, frozen] of m.entries) {
      mctx.fillStyle = colour(w); mctx.fillRect(LEFT + j * CELL, TOP + i * CELL, CELL - 1, CELL - 1);
      if (frozen) { mctx.fillStyle = '#fff'; mctx.fillRect(LEFT + j * CELL + CELL / 2 - 1, TOP + i * CELL + CELL / 2 - 1, 2, 2); }
    }
    if (selected) {
      const i = m.rows.indexOf(selected.row), j = m.columns.indexOf(selected.col);
      if (i >= 0 && j >= 0) { mctx.strokeStyle = '#e0a84a'; mctx.lineWidth = 2; mctx.strokeRect(LEFT + j * CELL - 1, TOP + i * CELL - 1, CELL + 1, CELL + 1); }
      showCell();
    }
  }
  // Where a cell is on screen (client coordinates of its centre; tests drive the wheel there).
  S.cellCenter = (row, col) => {
    const m = S.matrix; if (!m) return null;
    const i = m.rows.indexOf(row), j = m.columns.indexOf(col); if (i < 0 || j < 0) return null;
    mc.scrollIntoView({ block: 'nearest' });
    const b = mc.getBoundingClientRect(), k = b.width / mc.width;
    return { x: b.left + (LEFT + j * CELL + CELL / 2) * k, y: b.top + (TOP + i * CELL + CELL / 2) * k };
  };
  function cellAt(ev) {
    const m = S.matrix; if (!m) return null;
    const b = mc.getBoundingClientRect();
    const x = (ev.clientX - b.left) * mc.width / b.width, y = (ev.clientY - b.top) * mc.height / b.height;
    const j = Math.floor((x - LEFT) / CELL), i = Math.floor((y - TOP) / CELL);
    if (i < 0 || j < 0 || i >= m.rows.length || j >= m.columns.length) return null;
    return { row: m.rows[i], col: m.columns[j] };
  }
  function showCell() {
    if (!selected) return;
    const w = pendingCell && pendingCell.row === selected.row && pendingCell.col === selected.col ? pendingCell.value : weightOf(selected.row, selected.col);
    $('cell').innerHTML = '';
    const b = document.createElement('b'); b.textContent = selected.row + ' ← ' + selected.col;
    $('cell').append(b, ' = ' + fmt(w));
  }
  function fmt(w) { return Number.isInteger(w) ? String(w) : w.toPrecision(4).replace(/\.?0+$/, ''); }
  // Edits to one cell are sent at most once per animation frame (the last value wins).
  let pendingCell = null, cellTimer = 0;
  function setCell(row, col, value) {
    pendingCell = { row, col, value };
    showCell();
    if (!cellTimer) cellTimer = requestAnimationFrame(() => {
      cellTimer = 0;
      const p = pendingCell; pendingCell = null;
      command('set ' + p.row + ' ' + fmt(p.value) + (p.col === 'one' ? '' : ' ' + p.col), true);
    });
  }
  function step(w, fine) { return (fine ? 0.1 : 1) * Math.max(0.01, Math.abs(w) * 0.05); }
  let drag = null;
  mc.addEventListener('mousedown', (ev) => {
    const c = cellAt(ev); if (!c) return;
    selected = c; drawMatrix();
    if ($('neuron').value !== c.row.split('.')[0]) { $('neuron').value = c.row.split('.')[0]; buildSliders(); }
    drag = { y: ev.clientY, w0: weightOf(c.row, c.col) };
  });
  window.addEventListener('mousemove', (ev) => {
    if (!drag || !selected || !(ev.buttons & 1)) { drag = null; return; }
    const dy = drag.y - ev.clientY; if (dy === 0) return;
    setCell(selected.row, selected.col, +(drag.w0 + dy * step(drag.w0 || 1, ev.shiftKey)).toPrecision(6));
  });
  window.addEventListener('mouseup', () => { drag = null; });
  mc.addEventListener('wheel', (ev) => {
    const c = cellAt(ev); if (!c) return;
    ev.preventDefault();
    if (!selected || selected.row !== c.row || selected.col !== c.col) { selected = c; drawMatrix(); }
    const w = pendingCell ? pendingCell.value : weightOf(c.row, c.col);
    setCell(c.row, c.col, +(w - Math.sign(ev.deltaY) * step(w || 1, ev.shiftKey)).toPrecision(6));
  }, { passive: false });

  // ---------- Sliders for one neuron ----------
  function neurons() {
    const m = S.matrix; if (!m) return [];
    return [...new Set(m.rows.map((r) => r.split('.')[0]))];
  }
  function updateSliders() {
    const sel = $('neuron'), names = neurons();
    if (sel.options.length !== names.length || names.some((n, i) => sel.options[i].value !== n)) {
      const keep = sel.value;
      sel.innerHTML = '';
      for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; sel.append(o); }
      sel.value = names.includes(keep) ? keep : names[0] || '';
      buildSliders();
    } else {
      for (const input of $('sliders').querySelectorAll('input')) {
        if (document.activeElement === input || input.dataset.busy) continue;
        const w = weightOf(input.dataset.row, input.dataset.col);
        input.value = w; input.nextSibling.textContent = fmt(w);
      }
    }
  }
  function buildSliders() {
    const m = S.matrix, box = $('sliders'); box.innerHTML = '';
    if (!m) return;
    const name = $('neuron').value;
    const rows = m.rows.map((r, i) => [r, i]).filter(([r]) => r.split('.')[0] === name);
    for (const [r, i] of rows) {
      const terms = m.entries.filter((e) => e[0] === i);
      if (!terms.some((e) => m.columns[e[1]] === 'one')) terms.push([i, m.columns.indexOf('one'), 0, 0]);
      for (const [, j, w] of terms) {
        const col = m.columns[j];
        const label = document.createElement('label');
        const span = document.createElement('span'); span.textContent = r + (col === 'one' ? '' : ' ← ' + col);
        const input = document.createElement('input');
        const span2 = document.createElement('span'); span2.textContent = fmt(w);
        const range = Math.max(1, Math.abs(w) * 2);
        Object.assign(input, { type: 'range', min: -range, max: range, step: range / 200, value: w });
        input.dataset.row = r; input.dataset.col = col;
        input.addEventListener('input', () => {
          span2.textContent = fmt(+input.value);
          input.dataset.busy = '1';
          const g = $('glide').value.trim() || '100ms';
          command('glide ' + r + ' ' + fmt(+(+input.value).toPrecision(6)) + ' ' + g + (col === 'one' ? '' : ' ' + col), true);
          setTimeout(() => { delete input.dataset.busy; }, 300);
        });
        label.append(span, input, span2);
        box.append(label);
      }
    }
  }
  $('neuron').addEventListener('change', buildSliders);

  // ---------- Patch editor ----------
  const ta = $('patch');
  function gutter(errLine) {
    const n = ta.value.split('\n').length, g = $('gutter');
    g.innerHTML = '';
    for (let i = 1; i <= n; i++) {
      const s = document.createElement('span'); s.textContent = i + '\n';
      if (i === errLine) s.className = 'err';
      g.append(s);
    }
    g.scrollTop = ta.scrollTop;
  }
  ta.addEventListener('input', () => { ta.dataset.dirty = '1'; gutter(); });
  ta.addEventListener('scroll', () => { $('gutter').scrollTop = ta.scrollTop; });
  ta.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); applyPatch(); }
    if (ev.key === 'Tab') { ev.preventDefault(); document.execCommand('insertText', false, '  '); }
  });
  function applyPatch() {
    const id = send({ patch: ta.value });
    if (id === null) return;
    const st = $('patchstatus'); st.textContent = 'applying…'; st.className = '';
    waiting.get(id).onReply = (m) => {
      if (m.ok) { st.textContent = m.text; st.className = 'good'; delete ta.dataset.dirty; gutter(); return; }
      st.textContent = m.text; st.className = 'bad';
      gutter(m.line);
      if (m.line > 0) {
        const lines = ta.value.split('\n');
        let pos = 0; for (let i = 0; i < m.line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
        pos += Math.max(0, m.column - 1);
        ta.focus(); ta.setSelectionRange(pos, pos + 1);
        ta.scrollTop = Math.max(0, (m.line - 5) * 18.2);
      }
    };
    waiting.get(id).silent = true;
  }

  // ---------- Console ----------
  const history = []; let hpos = 0;
  function log(text, cls) {
    const box = $('log'), div = document.createElement('div');
    div.textContent = text; if (cls) div.className = cls;
    box.append(div);
    while (box.childNodes.length > 500) box.firstChild.remove();
    box.scrollTop = box.scrollHeight;
  }
  $('command').addEventListener('keydown', (ev) => {
    const inp = $('command');
    if (ev.key === 'Enter' && inp.value.trim()) {
      history.push(inp.value); hpos = history.length;
      command(inp.value); inp.value = '';
    } else if (ev.key === 'ArrowUp' && hpos > 0) { inp.value = history[--hpos]; ev.preventDefault(); }
    else if (ev.key === 'ArrowDown') { hpos = Math.min(history.length, hpos + 1); inp.value = history[hpos] || ''; ev.preventDefault(); }
  });

  connect();
})();
