import { describe, expect, it } from 'vitest';
import { joinLocation, parentLocation } from '../../src/aws/index.js';

describe('locations: local paths and s3:// URLs', () => {
  it('joins and climbs S3 URLs with /, never collapsing s3:// into a folder named s3:', () => {
    expect(joinLocation('s3://b/runs/', 'shards', 'R', 'x.json')).toBe('s3://b/runs/shards/R/x.json');
    expect(parentLocation('s3://b/runs/manifest.json')).toBe('s3://b/runs');
    expect(parentLocation('s3://b/manifest.json')).toBe('s3://b');
    expect(parentLocation('s3://b')).toBe('s3://b');
    expect(joinLocation('/o', 'shards', 'R')).toBe('/o/shards/R');
    expect(parentLocation('/o/manifest.json')).toBe('/o');
  });
});
