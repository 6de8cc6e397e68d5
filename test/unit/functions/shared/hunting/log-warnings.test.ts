import { logWarnings } from '../../../../../functions/shared/hunting/log-warnings';

describe('warnings about the logs', () => {
  it('names logs present but unread and logs loaded but used by no hunt, one line each', () => {
    const lines = logWarnings({ loaded: { conn: { rows: 10, files: 1, from: 1.7e9, to: 1.7e9 + 60 }, x509: { rows: 3, files: 1, from: 1.7e9, to: 1.7e9 + 60 } }, readByHunts: ['conn'], unreadFiles: { sip: 2, tunnel: 1 } });
    expect(lines).toEqual(['sip logs present (2 file(s)) but no hunt reads them', 'tunnel logs present (1 file(s)) but no hunt reads them', 'x509 logs loaded (3 records) but no hunt uses them']);
  });

  it('says when the clock is relative (ts below 1e9)', () => {
    const lines = logWarnings({ loaded: { conn: { rows: 10, files: 1, from: 12.5, to: 3600 } }, readByHunts: ['conn'], unreadFiles: {} });
    expect(lines).toEqual([expect.stringMatching(/^times are relative in conn/)]);
  });

  it('says when logs do not overlap in time by an hour or more (mixed captures), and not for minutes apart', () => {
    const base = { readByHunts: ['conn', 'dns', 'http'], unreadFiles: {} };
    expect(logWarnings({ ...base, loaded: { conn: { rows: 1, files: 1, from: 1.7e9, to: 1.7e9 + 600 }, dns: { rows: 1, files: 1, from: 1.7e9 + 86_400, to: 1.7e9 + 90_000 } } })).toEqual([expect.stringMatching(/^time ranges do not overlap \(conn and dns\)/)]);
    expect(logWarnings({ ...base, loaded: { conn: { rows: 1, files: 1, from: 1.7e9, to: 1.7e9 + 600 }, http: { rows: 1, files: 1, from: 1.7e9 + 900, to: 1.7e9 + 960 } } })).toEqual([]);
  });
});
