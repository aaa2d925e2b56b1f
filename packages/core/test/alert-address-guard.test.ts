import { describe, expect, it } from 'vitest';
import { checkAlertTarget, isDomainError, parseAlertUrl, privateAddressReason } from '../src/index.ts';

describe('the SSRF address classifier', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:192.168.0.1',
    '::127.0.0.1',
    '::ffff:0:10.1.2.3',
    '2002:0a00:0001::1',
    '2002:7f00:1::',
    '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(privateAddressReason(address)).toEqual(expect.any(String));
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '11.0.0.1',
    '2001:4860:4860::8888',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '2002:0808:0808::1',
  ])('allows the public %s', (address) => {
    expect(privateAddressReason(address)).toBeUndefined();
  });

  it('is told a host name is not an address', () => {
    expect(privateAddressReason('example.com')).toBe('not an IP address');
  });
});

describe('webhook URLs', () => {
  // The WHATWG parser turns decimal, octal, hex and short IPv4 forms into dotted quads: what is
  // checked is what would be connected to.
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', '[::ffff:a9fe:a9fe]'],
    ['http://169.254.169.254./', '169.254.169.254'],
  ])('%s is host %s, and refused', async (url, host) => {
    expect(parseAlertUrl(url).hostname).toBe(host);
    const error = await checkAlertTarget(url, { allowPrivate: false }).catch((e: unknown) => e);
    expect(isDomainError(error, 'ALERT_URL_REFUSED')).toBe(true);
    expect((error as Error).message).toMatch(/resolves to .*refused/);
  });

  it.each([
    ['file:///etc/passwd', 'must be http or https, not file'],
    ['gopher://x/', 'must be http or https'],
    ['javascript:alert(1)', 'must be http or https'],
    ['http://u:p@example.com/', 'user name or password'],
    ['not a url', 'not a valid absolute URL'],
    ['/relative', 'not a valid absolute URL'],
  ])('%s is refused: %s', async (url, why) => {
    await expect(checkAlertTarget(url, { allowPrivate: true })).rejects.toThrow(why);
  });

  it('a host name is resolved, and any private address among its answers refuses it', async () => {
    const lookup = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    await expect(
      checkAlertTarget('https://hooks.example.com/x', { allowPrivate: false, lookup }),
    ).rejects.toThrow('resolves to 10.1.2.3');
    const publicOnly = async () => [{ address: '93.184.215.14', family: 4 }];
    expect(
      await checkAlertTarget('https://hooks.example.com/x', { allowPrivate: false, lookup: publicOnly }),
    ).toMatchObject({
      address: '93.184.215.14',
      family: 4,
    });
  });

  it('localhost resolves to loopback and is refused; allowPrivate or the server allow-list lets it through', async () => {
    await expect(checkAlertTarget('http://localhost:8080/', { allowPrivate: false })).rejects.toThrow(
      /resolves to (127\.0\.0\.1|::1)/,
    );
    expect((await checkAlertTarget('http://localhost:8080/', { allowPrivate: true })).address).toMatch(
      /^(127\.0\.0\.1|::1)$/,
    );
    expect(
      (await checkAlertTarget('http://LocalHost:8080/', { allowPrivate: false, allowHosts: ['localhost'] }))
        .address,
    ).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it('a host that does not resolve is refused with the resolver code', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(
      checkAlertTarget('https://nowhere.invalid/', { allowPrivate: false, lookup }),
    ).rejects.toThrow('does not resolve (ENOTFOUND)');
  });
});
