import org.apache.kafka.common.protocol.types.*;
import java.util.*;
/* Prints Kafka's runtime schema of a generated message class per version:
   java -cp "$K/*:DIR" SchemaDump MetadataRequestData [maxVersion] */
public class SchemaDump {
  static String t(Type type) {
    String s = type.toString();
    if (type.isNullable()) s += "?";
    return s;
  }
  static void pr(Schema s, String ind) {
    for (BoundField f : s.fields()) {
      Type ty = f.def.type;
      if (ty instanceof TaggedFields) {
        try {
          java.lang.reflect.Field fm = TaggedFields.class.getDeclaredField("fields");
          fm.setAccessible(true);
          Map<Integer, Field> m = (Map<Integer, Field>) fm.get(ty);
          for (Map.Entry<Integer, Field> e : m.entrySet()) {
            System.out.println(ind + "[tag " + e.getKey() + "] " + e.getValue().name + ": " + t(e.getValue().type));
            Schema sub = sub(e.getValue().type); if (sub != null) pr(sub, ind + "    ");
          }
        } catch (Exception ex) { System.out.println(ind + "tagged: " + ty); }
        continue;
      }
      System.out.println(ind + f.def.name + ": " + t(ty));
      Schema sub = sub(ty); if (sub != null) pr(sub, ind + "    ");
    }
  }
  static Schema sub(Type ty) {
    if (ty instanceof Schema) return (Schema) ty;
    Optional<Type> el = ty.arrayElementType();
    if (el.isPresent() && el.get() instanceof Schema) return (Schema) el.get();
    return null;
  }
  public static void main(String[] a) throws Exception {
    Class<?> c = Class.forName("org.apache.kafka.common.message." + a[0]);
    Schema[] s = (Schema[]) c.getField("SCHEMAS").get(null);
    int max = a.length > 1 ? Integer.parseInt(a[1]) : s.length - 1;
    for (int v = 0; v <= max && v < s.length; v++) {
      System.out.println("== " + a[0] + " v" + v + (s[v] == null ? " (not supported)" : ""));
      if (s[v] != null) pr(s[v], "  ");
    }
  }
}
