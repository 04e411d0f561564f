// The nnlab lab through the hub, in Chromium, as a student meets it:
// the hub's login form, the redirect to the student's server at
// /user/NAME/lab, the course in the file browser, the nnlab extension's
// panels, and a cell of the course's first notebook run on the nnlab kernel.
//
// usage: node test/hub/lab_via_hub.mjs HUB_URL NAME PASSWORD SCREENSHOT_DIR
// (test/hub/test_hub.py runs it.) Prints one JSON line; exits 1 on a failure.
import { launchBrowser, watchPage } from '../browser/harness.mjs';

const [base, name, password, shots] = process.argv.slice(2);
const browser = await launchBrowser();
let result = { ok: false };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // NOTE: the lab's yjs warnings are known console noise on this stack.
  const problems = watchPage(page, [/Invalid access/, /Not same Y\.Doc/]);
  await page.goto(`${base}/hub/login`);
  await page.fill('#username_input', name);
  await page.fill('#password_input', password);
  await page.click('#login_submit');
  await page.waitForURL(new RegExp(`/user/${name}/lab`), { timeout: 120_000 });
  await page.locator('.jp-DirListing-item', { hasText: '01-perceptron.ipynb' }).waitFor({ timeout: 60_000 });
  const panels = await page.evaluate(() => ['nnlab-layer-inspector', 'nnlab-training-runs'].filter(id => document.getElementById(id)));
  await page.goto(`${base}/user/${name}/lab/tree/01-perceptron.ipynb?reset`);
  await page.waitForSelector('text=nnlab (TypeScript) | Idle', { timeout: 120_000 });
  const cell = page.locator('.jp-CodeCell').first();
  await cell.locator('.jp-InputArea-prompt').click();
  await page.keyboard.press('Shift+Enter');
  await cell.locator('.jp-OutputArea-output').first().waitFor({ timeout: 120_000 });
  const output = (await cell.locator('.jp-OutputArea-output').first().innerText()).trim();
  const prompt = (await cell.locator('.jp-InputArea-prompt').innerText()).trim();
  await page.screenshot({ path: `${shots}/lab-via-hub.png` });
  result = { ok: output.includes('nnlab ready') && prompt === '[1]:' && panels.length === 2 && problems.length === 0, url: page.url(), output, prompt, panels, problems };
} catch (err) {
  result = { ok: false, error: String(err) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
