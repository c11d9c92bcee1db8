import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUrlhausCsv } from './urlhaus-csv.ts';

describe('URLhaus CSV', () => {
  it('reads the main dump header variant, with tags and the URLhaus link', () => {
    const r = parseUrlhausCsv(
      [
        '# URLhaus Database Dump (CSV)',
        '# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter',
        '"3076245","2024-07-01 10:00:00","http://198.51.100.7/bins/x.sh","online","2024-07-01 10:00:00","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/3076245/","abuse_ch"',
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.indicators.map((i) => [i.value, i.confidence, i.tags, i.reference]),
      [['http://198.51.100.7/bins/x.sh', 80, ['elf', 'mirai'], 'https://urlhaus.abuse.ch/url/3076245/']],
    );
  });

  it('names the line and field of bad rows', () => {
    const r = parseUrlhausCsv(
      [
        '# Dateadded (UTC),URL,URL_status,Threat,Host,IPaddress,ASnumber,Country',
        '"2019-05-22 21:56:08","not a url","online","malware_download","h","1.2.3.4","1","JP"',
        '"2019-05-22 21:56:08","http://a.example.com/","broken","malware_download","h","1.2.3.4","1","JP"',
        '"2019-05-22 21:56:08","http://b.example.com/,"online"',
      ].join('\n'),
    );
    assert.deepEqual(
      r.errors.map((e) => `${e.record} ${e.field}`),
      ['line 4 csv', 'line 2 url', 'line 3 url_status'],
    );
    assert.match(parseUrlhausCsv('hello\n').errors[0]!.problem, /column row/);
  });

  it('a status named like an object built-in is not a status', () => {
    const r = parseUrlhausCsv(
      [
        '# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter',
        '"1","2024-07-01 10:00:00","http://198.51.100.7/x","constructor","","malware_download","","https://urlhaus.abuse.ch/url/1/","r"',
      ].join('\n'),
    );
    assert.deepEqual(r.indicators, []);
    assert.deepEqual(
      r.errors.map((e) => `${e.record} ${e.field}`),
      ['line 2 url_status'],
    );
  });
});
