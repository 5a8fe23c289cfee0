// The console clicked through in Debian's Chromium (playwright-core drives it; no browser is
// downloaded). tests/integration/console.sh sets the stage: a running mamorid with originals,
// persons and second factors. Prints TAP lines numbered from --start and writes "N FAILED" to
// --count-file; screenshots of the main pages go to --shots.
//
// The flow: a staff member's first sign-in (forced password change), a hostile subject shown
// as text, asking for an original, a CSRF-less POST refused, another unit's original refused;
// the approver signs in with TOTP, cannot approve their own request (兼務の禁止), approves the
// staff member's; the staff member downloads the original (its bytes are its name); the
// auditor verifies the audit log.
import { chromium } from 'playwright-core';
import { arg, counts, tap, totp } from './lib.mjs';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const L = arg('lgwan');
const I = arg('internet');
const PW = arg('password');
const shots = arg('shots');

// Passwords the HTTP probes changed at those persons' first sign-in.
let changed = {};
try {
  changed = JSON.parse(readFileSync(join(arg('totp-dir'), 'passwords.json'), 'utf8'));
} catch {}
const pw = (user) => changed[user] || PW;
const originals = JSON.parse(readFileSync(arg('originals'), 'utf8'));
const orig = (fragment) => originals.find((o) => o.subject.includes(fragment));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
let dialogs = 0;

async function person() {
  const ctx = await browser.newContext({ acceptDownloads: true, locale: 'ja-JP' });
  const page = await ctx.newPage();
  page.on('dialog', async (d) => {
    dialogs += 1;
    await d.dismiss();
  });
  return { ctx, page };
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
}

async function signIn(page, user, password, code, base = L) {
  await page.goto(base + '/login');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  if (code && page.url().endsWith('/login/totp')) {
    await shot(page, '02-totp');
    await page.fill('input[name=code]', totp(user));
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
  if (code && page.url().endsWith('/password')) {
    // A first sign-in the HTTP probes did not do: the person chooses a password.
    await page.fill('input[name=current]', password);
    await page.fill('input[name=new]', user + ' in the browser');
    await page.fill('input[name=again]', user + ' in the browser');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
}

try {
  // ---- ito, a staff member of the care insurance division: first sign-in -------------------
  const ito = await person();
  await signIn(ito.page, 'ito', PW);
  tap(ito.page.url().endsWith('/password'), 'first sign-in leads to the password change', ito.page.url());
  await shot(ito.page, '01-password-change');
  await ito.page.fill('input[name=current]', PW);
  await ito.page.fill('input[name=new]', 'ito no himitsu desu');
  await ito.page.fill('input[name=again]', 'ito no himitsu desu');
  await Promise.all([ito.page.waitForNavigation(), ito.page.click('main button[type=submit]')]);
  const dash = await ito.page.textContent('main');
  tap(dash.includes('ダッシュボード') && dash.includes('パスワードを変更しました'),
    'the dashboard, in Japanese, says the password was changed', dash.slice(0, 300));
  await shot(ito.page, '03-dashboard');
  const cookies = await ito.ctx.cookies();
  const sc = cookies.find((c) => c.name === 'mamori_session');
  tap(sc && sc.httpOnly && sc.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict', JSON.stringify(sc));
  tap(!(await ito.page.evaluate(() => document.cookie)).includes('mamori_session'),
    'scripts on the page cannot read the session cookie');

  // ---- the hostile subject, shown as text ----------------------------------------------------
  await ito.page.goto(L + '/quarantine');
  const hostile = orig('伊藤さんへ');
  const link = ito.page.locator(`a[href="/quarantine/o/${hostile.id}"]`);
  const linkText = await link.textContent();
  tap(linkText.includes('<img src=x onerror=alert(3)>') && linkText.includes('<script>alert(4)</script>'),
    'a subject with markup is shown as its text', linkText);
  tap((await ito.page.locator('main img, main script').count()) === 0 && dialogs === 0,
    'no element came from the subject and no script ran');
  await shot(ito.page, '04-quarantine');

  // ---- asking for the original -------------------------------------------------------------
  await Promise.all([ito.page.waitForNavigation(), link.click()]);
  await shot(ito.page, '05-original');
  await ito.page.fill('input[name=reason]', '介護認定の資料を確認するため');
  await Promise.all([ito.page.waitForNavigation(), ito.page.click('main button[type=submit]')]);
  const mine = await ito.page.textContent('#my-requests');
  tap(mine.includes(hostile.id) && mine.includes('承認待ち'), 'the request waits for approval', mine);

  // CSRF-less POST from the signed-in browser: refused.
  const forged = await ito.page.request.post(L + `/quarantine/o/${hostile.id}/request`, {
    form: { reason: 'forged' },
  });
  tap(forged.status() === 403, 'a POST without the CSRF token is refused', forged.status());

  // Another unit's original.
  const other = orig('見積書');
  const resp = await ito.page.goto(L + `/quarantine/o/${other.id}`);
  tap(resp.status() === 403 && (await ito.page.textContent('main')).includes('受信者'),
    "a staff member cannot open another unit's original", resp.status());
  await shot(ito.page, '06-refused');

  // ---- yoso, section manager of the same division: TOTP, 兼務の禁止, approval -----------------
  const yoso = await person();
  await signIn(yoso.page, 'yoso', pw('yoso'), true);
  tap(new URL(yoso.page.url()).pathname === '/', 'the section manager signs in with password and TOTP', yoso.page.url());
  const own = orig('課長自身');
  await yoso.page.goto(L + `/quarantine/o/${own.id}`);
  await yoso.page.fill('input[name=reason]', '自分あての原本');
  await Promise.all([yoso.page.waitForNavigation(), yoso.page.click('main button[type=submit]')]);
  await yoso.page.goto(L + '/approvals');
  await shot(yoso.page, '07-approvals');
  const rows = await yoso.page.textContent('#approvals');
  tap(rows.includes(hostile.id) && !rows.includes(own.id),
    "ito's request is offered; the approver's own is not", rows);
  const me = await (await yoso.page.request.get(L + '/api/v1/quarantine')).json();
  const ownReq = me.requests.find((r) => r.original === own.id);
  const csrf = await yoso.page.getAttribute('input[name=csrf]', 'value');
  const self = await yoso.page.request.post(L + `/approvals/${ownReq.id}/approve`, { form: { csrf } });
  tap(self.status() === 403 && (await self.text()).includes('兼務の禁止'), 'self-approval is refused (兼務の禁止)', self.status());
  const row = yoso.page.locator('#approvals tr', { hasText: hostile.id });
  await Promise.all([yoso.page.waitForNavigation(), row.locator('button', { hasText: '承認' }).first().click()]);
  tap((await yoso.page.textContent('main')).includes('記録しました'), 'the approval is recorded');

  // ---- ito downloads the original -----------------------------------------------------------
  await ito.page.goto(L + '/quarantine');
  await shot(ito.page, '08-approved');
  const [download] = await Promise.all([
    ito.page.waitForEvent('download'),
    ito.page.locator('#my-requests button', { hasText: 'ダウンロード' }).first().click(),
  ]);
  const file = join(shots, 'downloaded.eml');
  await download.saveAs(file);
  const hash = 'sha256:' + createHash('sha256').update(readFileSync(file)).digest('hex');
  tap(hash === hostile.id, 'the downloaded file is the original (its SHA-256 is its name)', hash);

  // ---- the file transfer: ito uploads on the internet face, yoso approves, ito downloads ------
  const inet = await person();
  await signIn(inet.page, 'ito', 'ito no himitsu desu', false, I);
  tap(new URL(inet.page.url()).pathname === '/upload', 'on the internet face, signing in leads to the upload page', inet.page.url());
  // A file whose name is markup: it must come back as text.
  const evilName = join(arg('samples'), '<img src=x onerror=alert(6)>.csv');
  writeFileSync(evilName, 'a,b\n1,2\n');
  await inet.page.setInputFiles('input[name=files]', [join(arg('samples'), '見積書.docm'), join(arg('samples'), 'bomb.zip'), evilName]);
  tap((await inet.page.locator('#progress').count()) === 1, 'the upload form has a progress bar');
  await shot(inet.page, '11-upload');
  await inet.page.click('#upload button[type=submit]');
  await inet.page.waitForSelector('#results');
  const results = await inet.page.textContent('#results');
  tap(results.includes('見積書.docm') && results.includes('sanitized') && results.includes('承認待ち') &&
      results.includes('bomb.zip') && results.includes('blocked'),
    'the document is sanitized and waits for approval; the zip bomb is blocked', results);
  tap(results.includes('<img src=x onerror=alert(6)>.csv') &&
      (await inet.page.locator('#results img').count()) === 0 && dialogs === 0,
    'a file name with markup is shown as text, and no script ran', results);
  await shot(inet.page, '12-uploaded');
  const lg = await inet.page.goto(I + '/transfers');
  tap(lg.status() === 404, 'the internet face has no downloads');

  await yoso.page.goto(L + '/approvals');
  const xrow = yoso.page.locator('#transfer-approvals tr', { hasText: '見積書.docm' });
  tap((await xrow.count()) === 1 && (await xrow.textContent()).includes('マクロ'),
    'the approver sees the file and its report (the macro removed)', await yoso.page.textContent('main'));
  await shot(yoso.page, '13-transfer-approval');
  await Promise.all([yoso.page.waitForNavigation(), xrow.locator('button', { hasText: '承認' }).first().click()]);

  await ito.page.goto(L + '/transfers');
  await shot(ito.page, '14-transfers');
  const trow = ito.page.locator('#transfers tr', { hasText: '見積書.docm' });
  const [dl] = await Promise.all([
    ito.page.waitForEvent('download'),
    trow.locator('button', { hasText: 'ダウンロード' }).click(),
  ]);
  const got = join(shots, 'transferred.docx');
  await dl.saveAs(got);
  const bytes = readFileSync(got);
  tap(dl.suggestedFilename() === '見積書.docx' && bytes.subarray(0, 2).toString() === 'PK' &&
      !bytes.includes(Buffer.from('vbaProject')),
    'ito downloads 見積書.docx on the LGWAN face: a zip without the macro', dl.suggestedFilename());

  // ---- the auditor verifies the log ---------------------------------------------------------
  const kansa = await person();
  await signIn(kansa.page, 'kansa', pw('kansa'), true);
  await kansa.page.goto(L + '/audit');
  const log = await kansa.page.textContent('#records');
  tap(log.includes('quarantine.approve') && log.includes('console.login'),
    'the auditor sees approvals and sign-ins in the audit log');
  await shot(kansa.page, '09-audit');
  await Promise.all([kansa.page.waitForNavigation(), kansa.page.click('#verify-now')]);
  tap((await kansa.page.textContent('main')).includes('改ざん'), 'verify now reports the log intact',
    await kansa.page.textContent('main'));
  await kansa.page.goto(L + '/');
  tap((await kansa.page.textContent('#verify-status')).includes('異常なし'), 'the dashboard shows the verification');
  await shot(kansa.page, '10-dashboard-verified');
  await Promise.all([kansa.page.waitForNavigation(), kansa.page.click('header button')]);
  tap(kansa.page.url().endsWith('/login'), 'signing out returns to the sign-in page');
} catch (e) {
  tap(false, 'the browser flow ran to the end', e.stack || e);
} finally {
  await browser.close();
}
writeFileSync(arg('count-file'), `${counts.n} ${counts.failed}\n`);
