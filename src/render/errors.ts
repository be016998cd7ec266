/**
 * The one error type of src/render/: a builder was asked for an object Kubernetes would refuse (or that could
 * never work), so it returns nothing rather than something half right. The builders are pure, so the same input
 * always fails the same way: a controller should treat a RenderError as a spec problem (Stalled, not retried)
 * unless its reason is `OwnerNotCreated`, which only means the owner was not read from the API server yet.
 */

/** Why a builder refused its input: a CamelCase constant, ready for a condition reason. */
export type RenderErrorReason =
  /** The owner has no uid: an object not yet created cannot own anything. */
  | 'OwnerNotCreated'
  /** The owner lacks its apiVersion, kind, name or (for a namespaced child) namespace. */
  | 'InvalidOwner'
  /** A name Kubernetes would reject (object, container, volume). */
  | 'InvalidName'
  | 'DuplicateContainerName'
  | 'DuplicateVolumeName'
  /** A volumeMount names a volume the pod does not have. */
  | 'UnknownVolume'
  | 'InvalidContainer'
  | 'InvalidVolume'
  | 'InvalidLabel'
  | 'InvalidAnnotation'
  /** A number out of range, or a value that is not plain JSON. */
  | 'InvalidValue';

export class RenderError extends Error {
  override readonly name = 'RenderError';
  /**
   * @param reason why, as a condition reason
   * @param field the offending input, as a path into the builder's input (`containers[1].name`)
   */
  constructor(
    readonly reason: RenderErrorReason,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function isRenderError(err: unknown): err is RenderError {
  return err instanceof RenderError;
}
