// Sources whose identifiers identify a person in turn: ONDE knows a pupil only by its INE, so its source ids are
// INEs (and its memberships' ids carry them). On records that describe people they are left out of `sourceIds`
// for a caller without `roster.identifiers`, as INEs are (guarded fields are declared in each entity's descriptor).
export const IDENTIFYING_SOURCES: readonly string[] = ['onde'];
