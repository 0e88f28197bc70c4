// Shared test data.
export const TEMPLATE = {
  description: 'logs hot/delete',
  default_state: 'hot',
  states: [
    { name: 'hot', actions: [{ rollover: { min_index_age: '1d', copy_alias: false } }], transitions: [{ state_name: 'delete', conditions: { min_index_age: '30d' } }] },
    { name: 'delete', actions: [{ delete: {} }], transitions: [] },
  ],
};
