import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { feodoCsv, feodoRow, stixBundle } from '../../../test/fixtures/own/intel-feeds.ts';
import { detectFormat } from './intel-formats.ts';

describe('format detection', () => {
  it('tells each format from its content', () => {
    assert.equal(detectFormat(stixBundle([])), 'stix');
    assert.equal(detectFormat('{"Event": {"info": "x"}}'), 'misp');
    assert.equal(detectFormat('{"response": [{"Event": {"info": "x"}}]}'), 'misp');
    assert.equal(detectFormat('{"query_status": "ok", "data": []}'), 'threatfox');
    assert.equal(
      detectFormat('{"query_status": "ok", "url_status": "online", "urlhaus_reference": "x"}'),
      'urlhaus-api',
    );
    assert.equal(detectFormat(feodoCsv([feodoRow('198.51.100.7')])), 'feodo');
    assert.equal(
      detectFormat('# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n'),
      'urlhaus',
    );
    assert.equal(detectFormat('{"hello": 1}'), undefined);
    assert.equal(detectFormat('just text'), undefined);
  });
});
