import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * A validator of CloudFormation templates against the published CloudFormation resource specification
 * (the copy in @aws-cdk/cfnspec): resource types, properties (allowed, required, typed), property types,
 * the intrinsic functions a template may use and what they may name. Covers what a JSON template of
 * resources, parameters and outputs can hold; not Conditions, Mappings or Transforms.
 */

interface SpecProperty {
  PrimitiveType?: string;
  Type?: string;
  ItemType?: string;
  PrimitiveItemType?: string;
  Required?: boolean;
}
interface SpecType {
  Properties?: Record<string, SpecProperty>;
  Attributes?: Record<string, unknown>;
}
export interface CfnSpec {
  ResourceSpecificationVersion: string;
  ResourceTypes: Record<string, SpecType>;
  PropertyTypes: Record<string, SpecType>;
}

let cached: CfnSpec | undefined;
export function cfnSpec(): CfnSpec {
  const path = createRequire(import.meta.url).resolve('@aws-cdk/cfnspec/spec/specification.json');
  cached ??= JSON.parse(readFileSync(path, 'utf8')) as CfnSpec;
  return cached;
}

const TOP_LEVEL = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Rules',
]);
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Metadata',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);
const PARAMETER_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);
const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem found, each naming where it is; empty when the template is valid. */
export function validateTemplate(template: Json, spec: CfnSpec = cfnSpec()): string[] {
  const errors: string[] = [];
  if (!isObject(template)) return ['the template is not a JSON object'];
  for (const key of Object.keys(template))
    if (!TOP_LEVEL.has(key)) errors.push(`unknown top-level key ${key}`);
  if (template.AWSTemplateFormatVersion !== undefined && template.AWSTemplateFormatVersion !== '2010-09-09') {
    errors.push('AWSTemplateFormatVersion must be 2010-09-09');
  }
  if (template.Description !== undefined) {
    if (typeof template.Description !== 'string') errors.push('Description must be a string');
    else if (Buffer.byteLength(template.Description) > 1024) errors.push('Description is over 1024 bytes');
  }
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  for (const [name, p] of Object.entries(parameters)) {
    if (!LOGICAL_ID.test(name)) errors.push(`Parameters.${name}: not an alphanumeric logical id`);
    if (!isObject(p) || typeof p.Type !== 'string' || !PARAMETER_TYPES.has(p.Type)) {
      errors.push(`Parameters.${name}: missing or unknown Type`);
    }
  }
  if (!isObject(template.Resources) || Object.keys(template.Resources).length === 0) {
    return [...errors, 'Resources must be a non-empty object'];
  }
  const resources = template.Resources;
  const ctx: Context = { spec, resources, parameters: new Set(Object.keys(parameters)), errors };
  for (const [id, resource] of Object.entries(resources)) validateResource(ctx, id, resource);
  const outputs = template.Outputs === undefined ? {} : template.Outputs;
  if (!isObject(outputs)) errors.push('Outputs must be an object');
  else {
    for (const [name, output] of Object.entries(outputs)) {
      const at = `Outputs.${name}`;
      if (!LOGICAL_ID.test(name)) errors.push(`${at}: not an alphanumeric logical id`);
      if (!isObject(output) || output.Value === undefined) {
        errors.push(`${at}: needs a Value`);
        continue;
      }
      for (const key of Object.keys(output)) {
        if (!['Value', 'Description', 'Export', 'Condition'].includes(key))
          errors.push(`${at}: unknown key ${key}`);
      }
      checkValue(ctx, `${at}.Value`, output.Value, { PrimitiveType: 'String' });
    }
  }
  return errors;
}

interface Context {
  spec: CfnSpec;
  resources: Record<string, Json>;
  parameters: Set<string>;
  errors: string[];
}

function validateResource(ctx: Context, id: string, resource: Json): void {
  const at = `Resources.${id}`;
  if (!LOGICAL_ID.test(id)) ctx.errors.push(`${at}: not an alphanumeric logical id`);
  if (!isObject(resource)) {
    ctx.errors.push(`${at}: not an object`);
    return;
  }
  for (const key of Object.keys(resource))
    if (!RESOURCE_KEYS.has(key)) ctx.errors.push(`${at}: unknown key ${key}`);
  const type = typeof resource.Type === 'string' ? ctx.spec.ResourceTypes[resource.Type] : undefined;
  if (!type) {
    ctx.errors.push(`${at}: unknown resource type ${String(resource.Type)}`);
    return;
  }
  if (resource.DependsOn !== undefined) {
    const deps = Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
    for (const d of deps) {
      if (typeof d !== 'string' || !(d in ctx.resources) || d === id) {
        ctx.errors.push(`${at}.DependsOn: ${String(d)} is not another resource`);
      }
    }
  }
  checkProperties(ctx, `${at}.Properties`, resource.Properties ?? {}, type, String(resource.Type));
}

function checkProperties(ctx: Context, at: string, value: Json, type: SpecType, typeName: string): void {
  if (!isObject(value)) {
    ctx.errors.push(`${at}: must be an object (${typeName})`);
    return;
  }
  const allowed = type.Properties ?? {};
  for (const [name, v] of Object.entries(value)) {
    const prop = allowed[name];
    if (!prop) ctx.errors.push(`${at}.${name}: not a property of ${typeName}`);
    else checkValue(ctx, `${at}.${name}`, v, prop, typeName.split('.')[0]);
  }
  for (const [name, prop] of Object.entries(allowed)) {
    if (prop.Required && !(name in value))
      ctx.errors.push(`${at}: required property ${name} of ${typeName} missing`);
  }
}

/** `resourceType` resolves property type names: `Policy` of AWS::IAM::Role is AWS::IAM::Role.Policy. */
function checkValue(ctx: Context, at: string, value: Json, prop: SpecProperty, resourceType = ''): void {
  if (isIntrinsic(value)) {
    checkIntrinsic(ctx, at, value);
    return;
  }
  if (prop.PrimitiveType) {
    checkPrimitive(ctx, at, value, prop.PrimitiveType);
    return;
  }
  if (prop.Type === 'List' || prop.Type === 'Map') {
    if (prop.Type === 'List' && !Array.isArray(value)) ctx.errors.push(`${at}: must be a list`);
    if (prop.Type === 'Map' && !isObject(value)) ctx.errors.push(`${at}: must be a map`);
    const entries = Array.isArray(value)
      ? [...value.entries()]
      : isObject(value)
        ? Object.entries(value)
        : [];
    const item: SpecProperty = {
      ...(prop.PrimitiveItemType ? { PrimitiveType: prop.PrimitiveItemType } : {}),
      ...(prop.ItemType ? { Type: prop.ItemType } : {}),
    };
    for (const [k, v] of entries) checkValue(ctx, `${at}[${k}]`, v, item, resourceType);
    return;
  }
  const name = prop.Type === 'Tag' ? 'Tag' : `${resourceType}.${prop.Type ?? ''}`;
  const type = ctx.spec.PropertyTypes[name];
  if (!type) ctx.errors.push(`${at}: unknown property type ${name}`);
  else checkProperties(ctx, at, value, type, name);
}

function checkPrimitive(ctx: Context, at: string, value: Json, primitive: string): void {
  const ok: Record<string, (v: Json) => boolean> = {
    String: (v) => typeof v === 'string',
    Integer: (v) => Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)),
    Long: (v) => Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)),
    Double: (v) => typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Number(v))),
    Boolean: (v) => typeof v === 'boolean' || v === 'true' || v === 'false',
    Timestamp: (v) => typeof v === 'string',
    Json: (v) => isObject(v),
  };
  if (!ok[primitive]?.(value)) ctx.errors.push(`${at}: must be ${primitive}`);
  // A JSON document may hold intrinsics in its values (policy ARNs through Fn::Sub).
  if (primitive === 'Json') walkJson(ctx, at, value);
}

function walkJson(ctx: Context, at: string, value: Json): void {
  if (isIntrinsic(value)) checkIntrinsic(ctx, at, value);
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) walkJson(ctx, `${at}[${i}]`, v);
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) walkJson(ctx, `${at}.${k}`, v);
}

const isIntrinsic = (v: Json): v is Record<string, Json> =>
  isObject(v) && Object.keys(v).length === 1 && /^(Ref|Fn::[A-Za-z]+)$/.test(Object.keys(v)[0]!);

function checkIntrinsic(ctx: Context, at: string, value: Record<string, Json>): void {
  const [fn, arg] = Object.entries(value)[0]!;
  const bad = (why: string): void => {
    ctx.errors.push(`${at}: ${fn} ${why}`);
  };
  if (fn === 'Ref') {
    if (typeof arg !== 'string') bad('takes a name');
    else if (!PSEUDO.has(arg) && !ctx.parameters.has(arg) && !(arg in ctx.resources))
      bad(`names nothing: ${arg}`);
  } else if (fn === 'Fn::GetAtt') {
    const [id, attribute]: Json[] = Array.isArray(arg)
      ? (arg as Json[])
      : typeof arg === 'string'
        ? arg.split('.')
        : [];
    const resource = typeof id === 'string' ? ctx.resources[id] : undefined;
    const typeName = isObject(resource) ? String(resource.Type) : '';
    const type = ctx.spec.ResourceTypes[typeName];
    if (!type) bad(`names no resource: ${String(id)}`);
    else if (typeof attribute !== 'string' || !(attribute in (type.Attributes ?? {}))) {
      bad(`names no attribute of ${typeName}: ${String(attribute)}`);
    }
  } else if (fn === 'Fn::Sub') {
    const [text, vars]: Json[] = Array.isArray(arg) ? (arg as Json[]) : [arg, {}];
    if (typeof text !== 'string' || !isObject(vars)) bad('takes a string or [string, {variables}]');
    else checkSub(ctx, at, text, new Set(Object.keys(vars)));
  } else if (fn === 'Fn::Join') {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
      bad('takes [delimiter, [values]]');
    } else {
      for (const [i, v] of (arg[1] as Json[]).entries())
        if (isIntrinsic(v)) checkIntrinsic(ctx, `${at}[${i}]`, v);
    }
  } else bad('is not an intrinsic function this validator knows');
}

/** Each `${Name}` of a Fn::Sub names a parameter, resource (attribute), pseudo parameter or variable. */
function checkSub(ctx: Context, at: string, text: string, vars: Set<string>): void {
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = match[1]!;
    if (name.startsWith('!')) continue;
    const resource = name.split('.')[0]!;
    if (PSEUDO.has(name) || ctx.parameters.has(name) || vars.has(name) || resource in ctx.resources) continue;
    ctx.errors.push(`${at}: Fn::Sub names nothing: \${${name}}`);
  }
  if (/\$\{[^}]*$/.test(text)) ctx.errors.push(`${at}: Fn::Sub has an unclosed \${`);
}
