#!/usr/bin/env python3
"""Drives the dmm studio page in headless Chromium (Selenium + chromedriver from Debian).

Usage: studio_driver.py URL SCREENSHOT.png
Prints one JSON object on stdout with what it saw; the Swift test (StudioBrowserTests)
asserts on it. Steps:
  1. load the page, wait for the WebSocket, the hello and the first frames;
  2. start the sound with the page's button, wait, read the level the AudioWorklet reports;
  3. freeze the canvas, compare its pixels with /frame.png?tick=<the tick it shows>;
  4. select neuron s1 and move the slider of s1.a with the keyboard (the page's own control):
     every step is a `glide` command; wait until the applied ticks come back;
  5. compare the canvas before and after; click the heatmap cell s1.a <- one and turn the
     mouse wheel three notches over it;
  6. the editor: a bad patch (error at line:column, the session runs on), then a good one;
  7. read the latency samples the page collected (edit sent -> 'applied' message naming its
     tick; tick finished -> frame on canvas); save a screenshot.
"""
import json, statistics, sys, time
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

url, shot = sys.argv[1], sys.argv[2]
opts = webdriver.ChromeOptions()
opts.binary_location = '/usr/bin/chromium'
for a in ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=1280,640',
          '--autoplay-policy=no-user-gesture-required', '--mute-audio']:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
result = {}


def js(code, *args):
    return driver.execute_script(code, *args)


def wait(cond, timeout=15, what='condition'):
    end = time.time() + timeout
    while time.time() < end:
        v = js('return ' + cond)
        if v:
            return v
        time.sleep(0.05)
    raise SystemExit(json.dumps({'error': 'timed out waiting for ' + what, 'partial': result}))


def compare_canvas_with_png():
    """Freezes the view, then compares the canvas with /frame.png of the tick it shows."""
    js("studio.frozen = true")
    time.sleep(0.1)
    return driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const tick = studio.lastFrameTick, rgb = studio.canvasRGB();
      const img = new Image();
      img.onload = () => {
        const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
        const x = c.getContext('2d'); x.drawImage(img, 0, 0);
        const d = x.getImageData(0, 0, c.width, c.height).data;
        let max = 0, bad = 0;
        for (let i = 0, j = 0; i < d.length; i += 4, j += 3)
          for (let k = 0; k < 3; k++) { const e = Math.abs(d[i + k] - rgb[j + k]); if (e > max) max = e; if (e > 2) bad++; }
        done({tick, maxDiff: max, badValues: bad, width: c.width, height: c.height, rgb});
      };
      img.onerror = () => done({tick, error: 'frame.png?tick=' + tick + ' did not load'});
      const t = new URLSearchParams(location.search).get('token');
      img.src = '/frame.png?tick=' + tick + (t ? '&token=' + t : '');
    """)


try:
    driver.get(url)
    wait('window.studio && studio.connected && studio.hello && studio.matrix', what='the WebSocket hello')
    wait('studio.framesDrawn > 10', what='frames on the canvas')
    result['hello'] = js('return studio.hello')

    # Sound: the page's own button (a user gesture), then the level the worklet measured.
    driver.find_element(By.ID, 'sound').click()
    wait('studio.audioOn && studio.level && studio.level.rms > 0', timeout=10, what='an audio level')
    time.sleep(0.5)
    result['audio'] = js('return {rms: studio.level.rms, peak: studio.level.peak, bytes: studio.audioBytes, underruns: studio.level.underruns, meter: document.getElementById("level").textContent}')

    before = compare_canvas_with_png()
    result['canvasVsPNG'] = {k: before[k] for k in before if k != 'rgb'}
    js("studio.frozen = false")

    # Move s1.a with the slider of neuron s1 (keyboard on the range input).
    Select(driver.find_element(By.ID, 'neuron')).select_by_value('s1')
    slider = driver.find_element(By.CSS_SELECTOR, '#sliders input[data-row="s1.a"][data-col="one"]')
    js("document.getElementById('glide').value = '0'")
    js("studio.latency.edit.length = 0; studio.latency.server.length = 0; studio.latency.editTicks.length = 0")
    js("arguments[0].focus()", slider)
    presses = 40
    for _ in range(presses):
        slider.send_keys(Keys.ARROW_RIGHT)
        time.sleep(0.06)
    wait('studio.latency.edit.length >= %d' % presses, timeout=10, what='the applied ticks of the slider edits')
    time.sleep(0.5)
    after = compare_canvas_with_png()
    result['canvasAfterEdit'] = {k: after[k] for k in after if k != 'rgb'}
    result['framesChanged'] = sum(1 for a, b in zip(before['rgb'], after['rgb']) if a != b)
    result['sliderValue'] = float(slider.get_attribute('value'))
    result['matrixS1a'] = js("""const m = studio.matrix, r = m.rows.indexOf('s1.a'), c = m.columns.indexOf('one');
                               const e = m.entries.find(e => e[0] === r && e[1] === c); return e ? e[2] : 0""")
    js("studio.frozen = false")

    # The heatmap: click the cell s1.a <- one (selects it), then three wheel notches up.
    c = js("return studio.cellCenter('s1.a', 'one')")
    ActionChains(driver).move_to_element(driver.find_element(By.ID, 'matrix')).perform()
    mrect = js("const b = document.getElementById('matrix').getBoundingClientRect(); return {x: b.left + b.width / 2, y: b.top + b.height / 2}")
    ActionChains(driver).move_by_offset(int(c['x'] - mrect['x']), int(c['y'] - mrect['y'])).click().perform()
    result['cellSelected'] = driver.find_element(By.ID, 'cell').text
    for _ in range(3):
        ActionChains(driver).scroll_from_origin(ScrollOrigin.from_viewport(int(c['x']), int(c['y'])), 0, -100).perform()
        time.sleep(0.15)
    time.sleep(0.4)
    result['matrixS1aAfterWheel'] = js("""const m = studio.matrix, r = m.rows.indexOf('s1.a'), c = m.columns.indexOf('one');
                               const e = m.entries.find(e => e[0] === r && e[1] === c); return e ? e[2] : 0""")

    # The editor: a bad patch is refused at its line and column, the session runs on; a good
    # one (s1.a = 3) morphs in.
    ta = driver.find_element(By.ID, 'patch')
    original = ta.get_attribute('value')
    js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", ta,
       original.replace('s1.x = x + 0.5 y', 's1.x = x + s9'))
    drawn = js('return studio.framesDrawn')
    ta.send_keys(Keys.CONTROL, Keys.ENTER)
    wait("document.getElementById('patchstatus').className === 'bad'", what='the patch error')
    wait('studio.framesDrawn > %d + 5' % drawn, what='frames after a refused patch')
    result['patchError'] = js("""const e = document.querySelector('#gutter .err');
        return {text: document.getElementById('patchstatus').textContent, line: e ? +e.textContent : 0,
                caret: document.getElementById('patch').selectionStart}""")
    js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", ta,
       '\n'.join('s1.a = 3' if l.startswith('s1.a =') else l for l in original.split('\n')))
    ta.send_keys(Keys.CONTROL, Keys.ENTER)
    wait("""(() => { const m = studio.matrix, r = m.rows.indexOf('s1.a'), c = m.columns.indexOf('one');
             const e = m.entries.find(e => e[0] === r && e[1] === c); return e && e[2] === 3; })()""", what='the morph to s1.a = 3')
    result['patchApplied'] = js("return document.getElementById('patchstatus').textContent")
    time.sleep(1.0)

    def stats(a):
        a = sorted(a)
        return {'n': len(a), 'median': statistics.median(a), 'p99': a[min(len(a) - 1, int(round(0.99 * (len(a) - 1))))]} if a else None
    lat = js('return studio.latency')
    result['latency'] = {'editToAppliedMs': stats(lat['edit']), 'serverArrivalToAppliedMs': stats(lat['server']),
                         'tickToCanvasMs': stats(lat['frame'])}
    result['editTicks'] = lat['editTicks']
    result['dropped'] = js('return studio.dropped')
    result['framesDrawn'] = js('return studio.framesDrawn')
    js("document.getElementById('command').value = 'show s1'")
    driver.find_element(By.ID, 'command').send_keys(Keys.ENTER)
    time.sleep(0.4)
    driver.save_screenshot(shot)
    print(json.dumps(result))
finally:
    driver.quit()
