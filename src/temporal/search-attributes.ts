// The custom search attributes monitors carry, so the Web UI and scripts can
// filter them (e.g. MonitorState = "ACTING"). All Keyword.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const VnfIdKey = defineSearchAttributeKey('VnfId', SearchAttributeType.KEYWORD);
export const VnfNameKey = defineSearchAttributeKey('VnfName', SearchAttributeType.KEYWORD);
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const MonitorStateKey = defineSearchAttributeKey('MonitorState', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = ['VnfId', 'VnfName', 'TenantId', 'MonitorState'] as const;
