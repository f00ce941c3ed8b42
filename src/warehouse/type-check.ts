/**
 * A warehouse's `checkType` (see WarehouseDialect) from its type-name check `sqlType`, which throws for a name
 * that does not have the shape of a type: type names are spliced into DDL (types cannot be bound), and the
 * warehouse itself checks the rest. `warehouse` names it in the message, e.g. `"x" is not a Spark SQL type name`.
 */
export function typeNameCheck(
  sqlType: (type: string, where: string) => string,
  warehouse: string,
): (type: string) => string | null {
  return (type) => {
    try {
      sqlType(type, "type");
      return null;
    } catch {
      return `"${type}" is not a ${warehouse} type name`;
    }
  };
}
