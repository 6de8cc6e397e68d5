import type { Filter } from '@aws-sdk/client-ec2';
import { fail, paginate, wildcardMatch, type Tags } from '../support';
import type { Ec2Store } from './state';

/** Describe calls for which AWS documents no tag filters. */
const TRAFFIC_MIRROR_OPERATIONS = new Set(['DescribeTrafficMirrorSessions', 'DescribeTrafficMirrorTargets', 'DescribeTrafficMirrorFilters']);

/** What one Describe call filters on: the attribute names AWS documents for it, and how to read them. */
export interface FilterSpec<T> {
  operation: string;
  attributes: (item: T) => Record<string, string[]>;
  tags: (item: T) => Tags;
}

/**
 * The Describe filter engine, as EC2 applies filters: every filter must match (AND), any of a
 * filter's values may (OR), values take `*` / `?` wildcards. Names not documented for the call
 * are refused. AWS documents tag filters (`tag:<key>`, `tag-key`, `tag-value`) for most Describe
 * calls but none for the Traffic Mirror ones, so those are refused there: code that relied on
 * them could not be trusted in AWS.
 */
export function applyFilters<T>(items: T[], filters: Filter[] | undefined, spec: FilterSpec<T>, known: readonly string[]): T[] {
  const list = filters ?? [];
  const tagFilters = !TRAFFIC_MIRROR_OPERATIONS.has(spec.operation);
  for (const filter of list) {
    const name = filter.Name ?? '';
    const isTagFilter = name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value';
    if (!(isTagFilter && tagFilters) && !known.includes(name)) fail('InvalidParameterValue', `${spec.operation}: the filter '${name}' is invalid`);
    if ((filter.Values ?? []).length > 200) fail('FilterLimitExceeded', `${spec.operation}: the filter '${name}' has more than 200 values`);
  }
  return items.filter((item) =>
    list.every((filter) => {
      const name = filter.Name ?? '';
      const values = filter.Values ?? [];
      let actual: string[];
      if (name.startsWith('tag:')) {
        const v = spec.tags(item)[name.slice(4)];
        actual = v === undefined ? [] : [v];
      } else if (name === 'tag-key') actual = Object.keys(spec.tags(item));
      else if (name === 'tag-value') actual = Object.values(spec.tags(item));
      else actual = spec.attributes(item)[name] ?? [];
      return values.some((pattern) => actual.some((a) => wildcardMatch(pattern, a)));
    }),
  );
}

/** One page of a Describe answer, with EC2's MaxResults bounds (5..1000) and opaque tokens. */
export function describePage<T>(store: Ec2Store, list: T[], input: { MaxResults?: number; NextToken?: string }, operation: string) {
  return paginate(list, { maxResults: input.MaxResults, nextToken: input.NextToken, defaultPageSize: store.pageSize(1000), minPageSize: 5, operation });
}
