export { Module } from './module.js';
export type { Parameter, Buffer, LoadResult } from './module.js';
export { ModuleList } from './nn/containers.js';
export { Linear } from './nn/linear.js';
export type { LinearOptions } from './nn/linear.js';
